package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// followed runs follow on a fake clock and feeds it reports at the given
// times; it returns what was sent, each with its time, and follow's error.
func followed(t *testing.T, feed func(at func(time.Duration, Progress), ch chan Progress, cancel func(), closed chan struct{})) (string, error) {
	var sent []string
	var err error
	synctest.Test(t, func(t *testing.T) {
		closed := make(chan struct{})
		s := &service{every: time.Second, closed: closed}
		ch := make(chan Progress)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		start := time.Now()
		send := func(p *Progress) error {
			sent = append(sent, fmt.Sprintf("%v %s %d", time.Since(start), p.Phase, p.Frames))
			return nil
		}
		done := make(chan error)
		go func() { done <- s.follow(ctx, ch, send) }()
		at := func(d time.Duration, p Progress) {
			time.Sleep(d - time.Since(start)) // on the fake clock: at once
			ch <- p
		}
		feed(at, ch, cancel, closed)
		err = <-done
	})
	return strings.Join(sent, ", "), err
}

func TestFollow(t *testing.T) {
	enc := func(frames int64) Progress { return Progress{Phase: PhaseEncoding, Frames: frames} }
	tests := []struct {
		name    string
		feed    func(at func(time.Duration, Progress), ch chan Progress, cancel func(), closed chan struct{})
		want    string
		wantErr error
	}{
		{
			name: "throttled within a phase",
			feed: func(at func(time.Duration, Progress), ch chan Progress, cancel func(), closed chan struct{}) {
				at(0, Progress{Phase: PhasePlanning})
				at(100*time.Millisecond, enc(1)) // a new phase: at once
				at(200*time.Millisecond, enc(2)) // held back…
				at(300*time.Millisecond, enc(3)) // …replaced, and sent a second after the last
				at(1500*time.Millisecond, enc(4))
				at(3200*time.Millisecond, enc(5)) // over a second since the last: at once
				at(3300*time.Millisecond, enc(6)) // held back, then overtaken by the end
				at(3400*time.Millisecond, Progress{Phase: PhaseDone, Frames: 6})
			},
			want: "0s planning 0, 100ms encoding 1, 1.1s encoding 3, 2.1s encoding 4, 3.2s encoding 5, 3.4s done 6",
		},
		{
			name: "client gone",
			feed: func(at func(time.Duration, Progress), ch chan Progress, cancel func(), closed chan struct{}) {
				at(0, enc(1))
				cancel()
			},
			want: "0s encoding 1", wantErr: context.Canceled,
		},
		{
			name: "shutdown",
			feed: func(at func(time.Duration, Progress), ch chan Progress, cancel func(), closed chan struct{}) {
				at(0, enc(1))
				close(closed)
			},
			want: "0s encoding 1", wantErr: ErrShuttingDown,
		},
		{
			name: "watch ends with a report held back",
			feed: func(at func(time.Duration, Progress), ch chan Progress, cancel func(), closed chan struct{}) {
				at(0, enc(1))
				at(10*time.Millisecond, enc(2))
				close(ch)
			},
			want: "0s encoding 1, 10ms encoding 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := followed(t, tt.feed)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("sent %s; %v\nwant %s; %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
