// Package hls writes HLS media playlists.
//
// It is pure: a Playlist is written from the segments and options the
// caller gives it, as RFC 8216 and Apple's HLS authoring specification ask,
// at protocol version 3 (decimal EXTINF durations).
package hls

import (
	"io"
	"strconv"
	"time"
)

// Type says how a playlist may change.
type Type int

const (
	// Live is a sliding window: segments are added at the end and may leave
	// at the front. No PLAYLIST-TYPE and no ENDLIST; MEDIA-SEQUENCE and
	// DISCONTINUITY-SEQUENCE tell a reloading player where it is.
	Live Type = iota
	// Event only grows: PLAYLIST-TYPE:EVENT, no ENDLIST (today's footage).
	Event
	// VOD is closed: PLAYLIST-TYPE:VOD and ENDLIST (a past day).
	VOD
)

// String names the type as the PLAYLIST-TYPE tag does ("" for Live).
func (t Type) String() string {
	switch t {
	case Event:
		return "EVENT"
	case VOD:
		return "VOD"
	}
	return "LIVE"
}

// Segment is one media segment of a playlist.
type Segment struct {
	// URI as written, relative to the playlist's URL; the caller escapes it.
	URI string
	// Duration is the measured duration; it is written in seconds with 3 decimals.
	Duration time.Duration
	// ProgramDateTime is the wall-clock time of the segment's first frame.
	// It is written on the first segment and after every discontinuity,
	// with milliseconds and the time's zone; zero means unknown.
	ProgramDateTime time.Time
	// Discontinuity writes #EXT-X-DISCONTINUITY before the segment: its
	// timestamps do not follow on from the segment before (a gap, a restart).
	Discontinuity bool
}

// Playlist is a media playlist.
type Playlist struct {
	Type Type
	// MediaSequence is the sequence number of the first segment.
	MediaSequence uint64
	// DiscontinuitySequence counts the discontinuities that have left a
	// Live window; it is written for Live playlists only.
	DiscontinuitySequence uint64
	// TargetDuration in whole seconds. Zero, or less than the longest
	// segment needs, means TargetDuration(Segments): a playlist never
	// promises less than its segments need.
	TargetDuration int
	Segments       []Segment
}

// pdtLayout is RFC 3339 with milliseconds, as PROGRAM-DATE-TIME wants.
const pdtLayout = "2006-01-02T15:04:05.000Z07:00"

// TargetDuration is the longest EXTINF of segs rounded to the nearest
// second (halves up), and at least 1.
func TargetDuration(segs []Segment) int {
	longest := int64(0)
	for i := range segs {
		longest = max(longest, millis(segs[i].Duration))
	}
	return max(int((longest+500)/1000), 1)
}

// millis rounds d to whole milliseconds, as EXTINF writes it.
func millis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond/2) / time.Millisecond)
}

// Append writes the playlist's text to b and returns the extended buffer.
func (p *Playlist) Append(b []byte) []byte {
	target := max(p.TargetDuration, TargetDuration(p.Segments))
	if n := 160 + len(p.Segments)*48; cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n+p.uriBytes())
		copy(nb, b)
		b = nb
	}
	b = append(b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:"...)
	b = strconv.AppendInt(b, int64(target), 10)
	b = append(b, "\n#EXT-X-MEDIA-SEQUENCE:"...)
	b = strconv.AppendUint(b, p.MediaSequence, 10)
	b = append(b, '\n')
	switch p.Type {
	case Live:
		b = append(b, "#EXT-X-DISCONTINUITY-SEQUENCE:"...)
		b = strconv.AppendUint(b, p.DiscontinuitySequence, 10)
		b = append(b, '\n')
	case Event, VOD:
		b = append(b, "#EXT-X-PLAYLIST-TYPE:"...)
		b = append(b, p.Type.String()...)
		b = append(b, '\n')
	}
	for i := range p.Segments {
		s := &p.Segments[i]
		if s.Discontinuity {
			b = append(b, "#EXT-X-DISCONTINUITY\n"...)
		}
		if (i == 0 || s.Discontinuity) && !s.ProgramDateTime.IsZero() {
			b = append(b, "#EXT-X-PROGRAM-DATE-TIME:"...)
			b = s.ProgramDateTime.AppendFormat(b, pdtLayout)
			b = append(b, '\n')
		}
		b = append(b, "#EXTINF:"...)
		b = appendSeconds(b, millis(s.Duration))
		b = append(b, ",\n"...)
		b = append(b, s.URI...)
		b = append(b, '\n')
	}
	if p.Type == VOD {
		b = append(b, "#EXT-X-ENDLIST\n"...)
	}
	return b
}

func (p *Playlist) uriBytes() int {
	n := 0
	for i := range p.Segments {
		n += len(p.Segments[i].URI)
	}
	return n
}

// appendSeconds writes ms as seconds with exactly 3 decimals.
func appendSeconds(b []byte, ms int64) []byte {
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// WriteTo writes the playlist's text to w.
func (p *Playlist) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(p.Append(nil))
	return int64(n), err
}
