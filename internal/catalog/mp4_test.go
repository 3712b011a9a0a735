package catalog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

func box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

func mvhd(version byte, scale uint32, dur uint64) []byte {
	b := []byte{version, 0, 0, 0}
	if version == 0 {
		b = append(b, make([]byte, 8)...)
		b = binary.BigEndian.AppendUint32(b, scale)
		b = binary.BigEndian.AppendUint32(b, uint32(dur))
	} else {
		b = append(b, make([]byte, 16)...)
		b = binary.BigEndian.AppendUint32(b, scale)
		b = binary.BigEndian.AppendUint64(b, dur)
	}
	return box("mvhd", append(b, make([]byte, 80)...))
}

func TestMP4Duration(t *testing.T) {
	ftyp := box("ftyp", []byte("isom0000"))
	mdat := box("mdat", make([]byte, 1000))
	tests := []struct {
		name string
		file []byte
		want time.Duration
		err  bool
	}{
		{name: "moov at the end", file: bytes.Join([][]byte{ftyp, mdat, box("moov", mvhd(0, 1000, 86_400_500))}, nil), want: 86400*time.Second + 500*time.Millisecond},
		{name: "moov first, version 1", file: bytes.Join([][]byte{ftyp, box("moov", box("udta"), mvhd(1, 90000, 90000*3/2)), mdat}, nil), want: 1500 * time.Millisecond},
		{name: "no moov", file: bytes.Join([][]byte{ftyp, mdat}, nil), err: true},
		{name: "moov without mvhd", file: bytes.Join([][]byte{ftyp, box("moov", box("trak"))}, nil), err: true},
		{name: "box size beyond the file", file: append(ftyp, 0xFF, 0xFF, 0xFF, 0xFF, 'm', 'o', 'o', 'v'), err: true},
		{name: "zero time scale", file: box("moov", mvhd(0, 0, 100)), err: true},
		{name: "empty", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mp4Duration(bytes.NewReader(tt.file), int64(len(tt.file)))
			if tt.err {
				if err == nil {
					t.Fatalf("duration %v, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := mp4Duration(bytes.NewReader(nil), 0); !errors.Is(err, errNoMovieHeader) {
		t.Errorf("empty file: %v", err)
	}
}
