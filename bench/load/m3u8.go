package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// playlist is what a player needs of a media playlist.
type playlist struct {
	seq     uint64 // EXT-X-MEDIA-SEQUENCE: the number of uris[0]
	typ     string // EXT-X-PLAYLIST-TYPE, "" for a live playlist
	endList bool
	uris    []string
}

// parsePlaylist reads a media playlist strictly enough that what a player
// would choke on is an error: no #EXTM3U first, no target duration, a URI
// without its #EXTINF, or an #EXTINF without its URI.
func parsePlaylist(b []byte) (playlist, error) {
	var p playlist
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), 1<<20)
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "#EXTM3U" {
		return p, errors.New("first line is not #EXTM3U")
	}
	target, inf := false, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXTINF:"):
			if inf {
				return p, fmt.Errorf("#EXTINF without a URI before %q", line)
			}
			inf = true
		case strings.HasPrefix(line, "#EXT-X-TARGETDURATION:"):
			if _, err := strconv.Atoi(strings.TrimPrefix(line, "#EXT-X-TARGETDURATION:")); err != nil {
				return p, fmt.Errorf("bad %q", line)
			}
			target = true
		case strings.HasPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"):
			n, err := strconv.ParseUint(strings.TrimPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"), 10, 64)
			if err != nil {
				return p, fmt.Errorf("bad %q", line)
			}
			p.seq = n
		case strings.HasPrefix(line, "#EXT-X-PLAYLIST-TYPE:"):
			p.typ = strings.TrimPrefix(line, "#EXT-X-PLAYLIST-TYPE:")
		case line == "#EXT-X-ENDLIST":
			p.endList = true
		case strings.HasPrefix(line, "#"):
		default:
			if !inf {
				return p, fmt.Errorf("URI %q without #EXTINF", line)
			}
			inf = false
			p.uris = append(p.uris, line)
		}
	}
	switch {
	case sc.Err() != nil:
		return p, sc.Err()
	case inf:
		return p, errors.New("#EXTINF without a URI at the end")
	case !target:
		return p, errors.New("no #EXT-X-TARGETDURATION")
	}
	return p, nil
}
