package web

import (
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/hls"
	"github.com/cctvd/cctvd/internal/ts"
)

// livePlaylist is the footage from date on, across the following days as
// they appear, in a window of the last LiveWindow: no ENDLIST. Segments
// leave at the front, so MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE count
// what has left since the first day that still has segments. The target
// duration is taken over every segment from that day on, so it does not
// change as the window slides. Days after today are left out: footage
// filed under tomorrow by a camera whose clock is ahead would otherwise
// end the window for ever, and today's new segments would go before it.
func (s *Server) livePlaylist(from, today day.Date) *response {
	var days []*catalog.DayView
	all := s.cat.Days()
	for i := len(all) - 1; i >= 0; i-- {
		if d := all[i].Date; !d.Before(from) && !today.Before(d) && len(all[i].Plan.Segments) > 0 {
			days = append(days, all[i])
		}
	}
	sig := uint64(1)
	for _, v := range days {
		sig = mix(sig, v.Version)
	}
	return s.playlists.get(playlistKey{date: from, live: true}, sig, func() *response {
		loc := s.cfg.Now().Location()
		var segs []hls.Segment
		var base uint64
		if len(days) > 0 {
			base = seqBase(days[0].Date, loc)
		}
		for i, v := range days {
			n := len(segs)
			segs = hlsSegments(v, loc, segs)
			if i > 0 && !continues(days[i-1], v) {
				segs[n].Discontinuity = true
			}
		}
		target := max(hls.TargetDuration(segs), minTarget)
		w := liveStart(segs, s.cfg.LiveWindow)
		var dseq uint64
		for _, sg := range segs[:w] {
			if sg.Discontinuity {
				dseq++
			}
		}
		pl := hls.Playlist{Type: hls.Live, MediaSequence: base + uint64(w), DiscontinuitySequence: dseq,
			TargetDuration: target, Segments: segs[w:]}
		return render(&pl, sig, false)
	})
}

// liveStart is the index of the first segment of a live window of the
// given length; a window keeps at least three segments, as HLS asks.
func liveStart(segs []hls.Segment, window time.Duration) int {
	if window < 0 {
		return 0
	}
	var sum time.Duration
	i := len(segs)
	for i > 0 && (sum < window || len(segs)-i < 3) {
		i--
		sum += segs[i].Duration
	}
	return i
}

// continues reports whether the first segment of next follows on from the
// last of prev: one camera run carried on across midnight.
func continues(prev, next *catalog.DayView) bool {
	return ts.FollowsOn(&prev.Plan.Segments[len(prev.Plan.Segments)-1].Report, &next.Plan.Segments[0].Report)
}
