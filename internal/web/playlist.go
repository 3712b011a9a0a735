package web

import (
	"compress/gzip"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/hls"
)

// How long players and proxies may keep a playlist: a live or today's
// playlist changes every segment, a closed day's hardly ever (a late
// upload; archiving after 48 h, when its playlist starts to redirect).
const (
	cacheShort = "public, max-age=1"
	cacheLong  = "public, max-age=3600"
)

// Header values shared by every playlist response; net/http only reads them.
var (
	mpegURL       = []string{"application/vnd.apple.mpegurl"}
	cacheShortHdr = []string{cacheShort}
	cacheLongHdr  = []string{cacheLong}
)

// render makes a playlist's response; long says it may be kept long (cacheLong).
func render(pl *hls.Playlist, sig uint64, long bool) *response {
	body := pl.Append(nil)
	hdr := http.Header{"Content-Type": mpegURL, "Cache-Control": cacheShortHdr}
	if long {
		hdr["Cache-Control"] = cacheLongHdr
	}
	return newResponse(body, gzipped(body, gzip.DefaultCompression), strconv.FormatUint(sig, 36), hdr)
}

// playlistKey names a playlist in Server.playlists, whose responses are
// keyed by the versions of the days they were made from.
type playlistKey struct {
	date day.Date
	live bool
}

// minTarget is the least TARGETDURATION of a playlist that grows (today's,
// a live one): a camera's 10-second segments, so that the target does not
// change as the first segments arrive. A longer segment still raises it:
// a target below a segment's duration would break players.
const minTarget = 10

// seqSlot is the length of the slots media sequence numbers count.
const seqSlot = 10 * time.Second

// seqBase is the media sequence number of the first segment of day d: the
// number of 10-second slots from the Unix epoch to the day's midnight.
// Numbers follow on from there one per segment, as HLS wants, so they are
// derived from time, not from where a segment happens to sit in a list:
// the same segment keeps its number across reloads and restarts, in the
// day's playlist and in a live playlist that starts on that day.
func seqBase(d day.Date, loc *time.Location) uint64 {
	return uint64(d.Start(loc).Unix() / int64(seqSlot/time.Second))
}

func segmentURI(d day.Date, name string) string {
	return d.String() + "/" + url.PathEscape(name)
}

func hlsSegments(v *catalog.DayView, loc *time.Location, dst []hls.Segment) []hls.Segment {
	for i := range v.Plan.Segments {
		seg := &v.Plan.Segments[i]
		dst = append(dst, hls.Segment{
			URI:             segmentURI(v.Date, seg.Name),
			Duration:        seg.Report.Duration(),
			ProgramDateTime: seg.Start.In(loc),
			Discontinuity:   seg.Discontinuity,
		})
	}
	return dst
}

// dayPlaylist is a past day's segments: VOD, or EVENT (no ENDLIST) while
// files of the day are still being written, such as a late upload.
func (s *Server) dayPlaylist(v *catalog.DayView) *response {
	done := v.Pending == 0
	sig := mix(v.Version, boolBit(done))
	return s.playlists.get(playlistKey{date: v.Date}, sig, func() *response {
		loc := s.cfg.Now().Location()
		pl := hls.Playlist{Type: hls.Event, MediaSequence: seqBase(v.Date, loc), TargetDuration: minTarget,
			Segments: hlsSegments(v, loc, make([]hls.Segment, 0, len(v.Plan.Segments)))}
		if done {
			pl.Type, pl.TargetDuration = hls.VOD, 0
		}
		return render(&pl, sig, done)
	})
}

// eventPlaylist is today's segments (or a later day's, a camera's clock
// ahead): EVENT, only ever appended to (published.go). A view whose files
// still wait for their scan is not merged: its plan may be partial.
func (s *Server) eventPlaylist(v *catalog.DayView, today day.Date) *response {
	loc := s.cfg.Now().Location()
	merge := v
	if v.Unscanned > 0 && s.events.has(v.Date) {
		merge = nil
	}
	segs, sig, _ := s.events.list(merge, v.Date, today, loc, s.log)
	sig = mix(sig, 2)
	return s.playlists.get(playlistKey{date: v.Date}, sig, func() *response {
		pl := hls.Playlist{Type: hls.Event, MediaSequence: seqBase(v.Date, loc), TargetDuration: minTarget, Segments: segs}
		return render(&pl, sig, false)
	})
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
