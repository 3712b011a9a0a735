package encode

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestProbeParser(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    Info
		wantErr error // errors.Is; errAny for any error
	}{
		{
			name: "mpegts",
			text: "packet|pts=900000|dts=892800|side_data|\n\npacket|pts=914400|dts=896400\npacket|pts=907200|dts=900000\n" +
				"program|stream|codec_name=hevc|codec_tag_string=HEVC|time_base=1/90000|nb_read_packets=3\n\n" +
				"stream|codec_name=hevc|codec_tag_string=HEVC|time_base=1/90000|nb_read_packets=3\n" +
				"format|duration=0.200000\n",
			want: Info{Codec: "hevc", CodecTag: "HEVC", Frames: 3, Duration: 200 * time.Millisecond,
				FirstPTS: 10 * time.Second, LastPTS: 10*time.Second + 160*time.Millisecond, MaxStep: 40 * time.Millisecond},
		},
		{
			name: "mp4",
			text: "packet|pts=0|dts=-1800\npacket|pts=900|dts=-900\n" +
				"stream|codec_name=hevc|codec_tag_string=hvc1|time_base=1/22500|nb_read_packets=2\n" +
				"format|duration=50.000000|tag:creation_time=2026-03-01T22:00:00.000000Z\n",
			want: Info{Codec: "hevc", CodecTag: "hvc1", Frames: 2, Duration: 50 * time.Second,
				LastPTS: 40 * time.Millisecond, MaxStep: 40 * time.Millisecond,
				CreationTime: time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)},
		},
		{
			name:    "count differs",
			text:    "packet|pts=0|dts=0\nstream|codec_name=hevc|time_base=1/90000|nb_read_packets=2\n",
			wantErr: ErrFrameMismatch,
		},
		{name: "no stream", text: "format|duration=1.0\n", wantErr: errAny},
		{name: "no packets", text: "stream|codec_name=hevc|time_base=1/90000|nb_read_packets=0\n", wantErr: errAny},
		{
			name:    "decoding time goes back",
			text:    "packet|pts=3600|dts=3600\npacket|pts=7200|dts=3600\nstream|codec_name=hevc|time_base=1/90000|nb_read_packets=2\n",
			wantErr: errAny,
		},
		{name: "no timestamp", text: "packet|pts=N/A|dts=N/A\n", wantErr: errAny},
		{name: "bad time base", text: "stream|codec_name=hevc|time_base=0/0|nb_read_packets=0\n", wantErr: errAny},
		{name: "bad creation time", text: "format|duration=1.0|tag:creation_time=yesterday\n", wantErr: errAny},
		{name: "unknown section", text: "frame|pts=0\n", wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &probeParser{}
			w := &lineWriter{line: p.line}
			_, err := w.Write([]byte(tt.text))
			if err == nil {
				err = p.check()
			}
			switch {
			case tt.wantErr == errAny && err != nil:
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && err != nil:
				t.Fatal(err)
			case tt.wantErr == nil && p.info != tt.want:
				t.Errorf("info\n got %+v\nwant %+v", p.info, tt.want)
			}
		})
	}
}

// errAny stands for any error in tables.
var errAny = errors.New("any error")

func TestProbeFails(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	for _, name := range []string{"missing.ts", "garbage.ts"} {
		path := dir + "/" + name
		if name == "garbage.ts" {
			writeFile(t, path, strings.Repeat("garbage ", 100))
		}
		_, err := Probe(t.Context(), Settings{}, path)
		var ferr *FFmpegError
		if !errors.As(err, &ferr) || len(ferr.Stderr) == 0 {
			t.Errorf("%s: Probe = %v, want an *FFmpegError with stderr", name, err)
		}
	}
	if _, err := Probe(t.Context(), Settings{FFprobe: dir + "/ffprobe"}, dir+"/x.ts"); !errors.Is(err, ErrFFmpegMissing) {
		t.Errorf("Probe without ffprobe = %v, want ErrFFmpegMissing", err)
	}
}
