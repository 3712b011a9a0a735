package export

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// videoSamples lists the video track's samples of an mp4 in decoding
// order: when each is shown (its composition time less the edit list's
// start, as players and ffprobe show it) and whether it is a keyframe.
// It reads the sample tables only, so it costs the same for an hour as for
// a minute: listing packets with ffprobe reads the whole file.
func videoSamples(path string) ([]packet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	moov, err := findBox(f, "moov")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, trak := range children(moov, "trak") {
		t, err := parseTrack(trak)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if t != nil {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%s: no video track", path)
}

var errBadMP4 = errors.New("malformed mp4")

// findBox reads the top-level box named name into memory.
func findBox(r io.ReadSeeker, name string) ([]byte, error) {
	var h [16]byte
	for {
		if _, err := io.ReadFull(r, h[:8]); err != nil {
			return nil, fmt.Errorf("no %s box: %w", name, err)
		}
		size, typ, hdr := int64(binary.BigEndian.Uint32(h[:4])), string(h[4:8]), int64(8)
		if size == 1 {
			if _, err := io.ReadFull(r, h[8:16]); err != nil {
				return nil, err
			}
			size, hdr = int64(binary.BigEndian.Uint64(h[8:16])), 16
		}
		if size < hdr {
			return nil, errBadMP4
		}
		if typ == name {
			if size > 256<<20 {
				return nil, fmt.Errorf("%w: %s box of %d bytes", errBadMP4, name, size)
			}
			b := make([]byte, size-hdr)
			_, err := io.ReadFull(r, b)
			return b, err
		}
		if _, err := r.Seek(size-hdr, io.SeekCurrent); err != nil {
			return nil, err
		}
	}
}

// children are the payloads of the boxes named name directly in b.
func children(b []byte, name string) [][]byte {
	var out [][]byte
	for len(b) >= 8 {
		size, hdr := uint64(binary.BigEndian.Uint32(b)), uint64(8)
		if size == 1 && len(b) >= 16 {
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return out
		}
		if string(b[4:8]) == name {
			out = append(out, b[hdr:size])
		}
		b = b[size:]
	}
	return out
}

func child(b []byte, path ...string) []byte {
	for _, name := range path {
		c := children(b, name)
		if len(c) == 0 {
			return nil
		}
		b = c[0]
	}
	return b
}

// parseTrack reads a video track's samples; nil for another kind of track.
func parseTrack(trak []byte) ([]packet, error) {
	hdlr := child(trak, "mdia", "hdlr")
	if len(hdlr) < 12 || string(hdlr[8:12]) != "vide" {
		return nil, nil
	}
	mdhd := child(trak, "mdia", "mdhd")
	var scale uint32
	switch {
	case len(mdhd) >= 24 && mdhd[0] == 1:
		scale = binary.BigEndian.Uint32(mdhd[20:])
	case len(mdhd) >= 16:
		scale = binary.BigEndian.Uint32(mdhd[12:])
	}
	stbl := child(trak, "mdia", "minf", "stbl")
	stts := child(stbl, "stts")
	if scale == 0 || len(stts) < 8 {
		return nil, errBadMP4
	}
	var ps []packet
	var dts int64
	n := int(binary.BigEndian.Uint32(stts[4:]))
	for i := 0; i < n && 16+8*i <= len(stts); i++ {
		count := int(binary.BigEndian.Uint32(stts[8+8*i:]))
		delta := int64(binary.BigEndian.Uint32(stts[12+8*i:]))
		for j := 0; j < count; j++ {
			ps = append(ps, packet{pts: time.Duration(dts)})
			dts += delta
		}
	}
	if ctts := child(stbl, "ctts"); len(ctts) >= 8 {
		k := 0
		n := int(binary.BigEndian.Uint32(ctts[4:]))
		for i := 0; i < n && 16+8*i <= len(ctts); i++ {
			count := int(binary.BigEndian.Uint32(ctts[8+8*i:]))
			off := int64(int32(binary.BigEndian.Uint32(ctts[12+8*i:])))
			for j := 0; j < count && k < len(ps); j++ {
				ps[k].pts += time.Duration(off)
				k++
			}
		}
	}
	if stss := child(stbl, "stss"); len(stss) >= 8 {
		n := int(binary.BigEndian.Uint32(stss[4:]))
		for i := 0; i < n && 12+4*i <= len(stss); i++ {
			if s := int(binary.BigEndian.Uint32(stss[8+4*i:])); s >= 1 && s <= len(ps) {
				ps[s-1].key = true
			}
		}
	} else {
		for i := range ps {
			ps[i].key = true
		}
	}
	var start int64
	if elst := child(trak, "edts", "elst"); len(elst) >= 8 {
		n := int(binary.BigEndian.Uint32(elst[4:]))
		for i := 0; i < n; i++ {
			var mt int64
			if elst[0] == 1 {
				if 8+20*(i+1) > len(elst) {
					break
				}
				mt = int64(binary.BigEndian.Uint64(elst[8+20*i+8:]))
			} else {
				if 8+12*(i+1) > len(elst) {
					break
				}
				mt = int64(int32(binary.BigEndian.Uint32(elst[8+12*i+4:])))
			}
			if mt >= 0 {
				start = mt
				break
			}
		}
	}
	for i := range ps {
		t := int64(ps[i].pts) - start
		ps[i].pts = time.Duration(t) * time.Second / time.Duration(scale)
	}
	return ps, nil
}
