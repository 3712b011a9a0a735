package encode

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestProgressParser(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    []Progress
		wantErr bool
	}{
		{
			name: "ffmpeg 5.1 blocks",
			text: "frame=0\nfps=0.00\nstream_0_0_q=0.0\nbitrate=N/A\ntotal_size=0\nout_time_us=N/A\nout_time_ms=N/A\nout_time=N/A\ndup_frames=0\ndrop_frames=0\nspeed=N/A\nprogress=continue\n" +
				"frame=131\nfps=130.95\nstream_0_0_q=35.5\nbitrate=  69.8kbits/s\ntotal_size=45120\nout_time_us=5160000\nout_time_ms=5160000\nout_time=00:00:05.160000\ndup_frames=0\ndrop_frames=0\nspeed=5.16x\nprogress=continue\n" +
				"frame=250\nfps=141.20\nstream_0_0_q=-1.0\nbitrate=  71.2kbits/s\ntotal_size=88924\nout_time_us=9960000\nout_time_ms=9960000\nout_time=00:00:09.960000\ndup_frames=2\ndrop_frames=1\nspeed=5.62x\nprogress=end\n",
			want: []Progress{
				{},
				{Frames: 131, OutTime: 5160 * time.Millisecond, Speed: 5.16, FPS: 130.95},
				{Frames: 250, OutTime: 9960 * time.Millisecond, Speed: 5.62, FPS: 141.2, DupFrames: 2, DropFrames: 1, Done: true},
			},
		},
		{
			name: "CRLF and blank lines",
			text: "frame=7\r\n\r\nspeed=0.5x\r\nprogress=end\r\n",
			want: []Progress{{Frames: 7, Speed: 0.5, Done: true}},
		},
		{
			name: "unterminated block is not reported",
			text: "frame=7\nprogress=continue\nframe=9\n",
			want: []Progress{{Frames: 7}},
		},
		{name: "bad number", text: "frame=seven\nprogress=continue\n", wantErr: true},
		{name: "bad speed", text: "speed=fast\n", wantErr: true},
		{name: "no equals sign", text: "frame 7\n", wantErr: true},
		{name: "unknown state", text: "progress=paused\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Whole, and a byte at a time, as a pipe may cut it.
			for _, chunk := range []int{len(tt.text), 1} {
				var got []Progress
				p := &progressParser{emit: func(p Progress) { got = append(got, p) }}
				w := &lineWriter{line: p.line}
				var err error
				for b := []byte(tt.text); len(b) > 0 && err == nil; b = b[min(chunk, len(b)):] {
					_, err = w.Write(b[:min(chunk, len(b))])
				}
				if (err != nil) != tt.wantErr {
					t.Fatalf("write %d at a time: error %v, want error %v", chunk, err, tt.wantErr)
				}
				if !tt.wantErr && !slices.Equal(got, tt.want) {
					t.Errorf("write %d at a time:\n got %+v\nwant %+v", chunk, got, tt.want)
				}
			}
		})
	}
}

func TestLineWriterTooLong(t *testing.T) {
	w := &lineWriter{line: func(string) error { return nil }}
	if _, err := w.Write(make([]byte, maxLine+1)); err == nil {
		t.Error("took a line longer than maxLine")
	}
}

func TestWatchdog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		stalled := make(chan time.Duration, 1)
		wd := startWatchdog(time.Minute, func() { stalled <- time.Since(start) })
		defer wd.stop()
		for range 5 {
			time.Sleep(50 * time.Second) // fake time: the bubble's clock
			wd.kick()
		}
		if got := <-stalled; got != 250*time.Second+time.Minute {
			t.Errorf("stalled after %v, want 5 kicks and a minute", got)
		}
	})
}

func TestTail(t *testing.T) {
	tl := &tail{max: 2}
	tl.Write([]byte("one\ntwo\r\nth"))
	tl.Write([]byte("ree\nfour"))
	if got := tl.Lines(); !slices.Equal(got, []string{"three", "four"}) {
		t.Errorf("lines %q", got)
	}
}
