package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// archive follows the conversion of one day through cctvd's control API,
// as `cctvctl convert --force --wait` does.
type archive struct {
	date string
	conn *grpc.ClientConn
	api  cctvv1.CctvServiceClient

	encoding chan struct{} // closed when the encoder first runs
	ended    chan struct{} // closed when the conversion ends, or the stream breaks

	mu        sync.Mutex
	last      *cctvv1.ConversionProgress
	endedAt   time.Time
	streamErr error
}

// startArchive asks cctvd to convert date now (force: the day is not due
// under the bench's long --settle) and follows it in the background.
func startArchive(ctx context.Context, sock, date string) (*archive, error) {
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("control api: %w", err)
	}
	a := &archive{date: date, conn: conn, api: cctvv1.NewCctvServiceClient(conn),
		encoding: make(chan struct{}), ended: make(chan struct{})}
	stream, err := a.api.ConvertDay(ctx, &cctvv1.ConvertDayRequest{Date: date, Force: true})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("convert %s: %w", date, err)
	}
	go a.follow(stream)
	return a, nil
}

func (a *archive) follow(stream cctvv1.CctvService_ConvertDayClient) {
	var once sync.Once
	defer close(a.ended)
	for {
		m, err := stream.Recv()
		if err != nil {
			a.mu.Lock()
			a.endedAt = time.Now()
			if !errors.Is(err, io.EOF) {
				a.streamErr = err
			}
			a.mu.Unlock()
			return
		}
		p := m.GetProgress()
		if p == nil {
			continue
		}
		a.mu.Lock()
		a.last = p
		a.mu.Unlock()
		if p.GetPhase() >= cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING {
			once.Do(func() { close(a.encoding) })
		}
	}
}

// waitEncoding waits until the encoder runs: the window should be spent
// with ffmpeg at work, not while the day is planned.
func (a *archive) waitEncoding(ctx context.Context, limit time.Duration) error {
	select {
	case <-a.encoding:
		return nil
	case <-a.ended:
		return fmt.Errorf("archive of %s ended before encoding: %s", a.date, a.describeEnd())
	case <-time.After(limit):
		return fmt.Errorf("archive of %s not encoding after %v", a.date, limit)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// progress is a conversion at one moment, from GetStatus.
type progress struct {
	running bool // cctvd lists the conversion as under way
	phase   cctvv1.ConversionPhase
	frames  int64
	total   int64
	speed   float64
}

func (p progress) String() string {
	if !p.running {
		return "not running"
	}
	return fmt.Sprintf("%s, frame %d of %d, %.1fx realtime", phaseName(p.phase), p.frames, p.total, p.speed)
}

func phaseName(p cctvv1.ConversionPhase) string {
	return strings.ToLower(strings.TrimPrefix(p.String(), "CONVERSION_PHASE_"))
}

// now asks cctvd what the conversion is doing.
func (a *archive) now(ctx context.Context) (progress, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := a.api.GetStatus(ctx, &cctvv1.GetStatusRequest{})
	if err != nil {
		return progress{}, fmt.Errorf("status: %w", err)
	}
	for _, c := range st.GetConversions() {
		if c.GetDate() != a.date {
			continue
		}
		ph := c.GetPhase()
		done := ph == cctvv1.ConversionPhase_CONVERSION_PHASE_DONE || ph == cctvv1.ConversionPhase_CONVERSION_PHASE_FAILED ||
			ph == cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED
		return progress{running: !done, phase: ph, frames: c.GetFrames(), total: c.GetTotalFrames(), speed: c.GetSpeed()}, nil
	}
	return progress{}, nil
}

// endedBefore reports whether the conversion had ended by t, and how.
func (a *archive) endedBefore(t time.Time) (bool, string) {
	a.mu.Lock()
	at := a.endedAt
	a.mu.Unlock()
	if at.IsZero() || at.After(t) {
		return false, ""
	}
	return true, a.describeEnd()
}

// failed reports a conversion that ended in failure: a cctvd error.
func (a *archive) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last != nil && a.last.GetPhase() == cctvv1.ConversionPhase_CONVERSION_PHASE_FAILED {
		return fmt.Errorf("archive of %s failed: %s %s", a.date, a.last.GetError(), strings.Join(a.last.GetStderrTail(), " | "))
	}
	return nil
}

func (a *archive) describeEnd() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.streamErr != nil:
		return "progress stream broke: " + a.streamErr.Error()
	case a.last == nil:
		return "no progress reported"
	case a.last.GetError() != "":
		return phaseName(a.last.GetPhase()) + ": " + a.last.GetError()
	}
	return phaseName(a.last.GetPhase())
}

// cancel stops the conversion, so that cctvd removes its work files and
// shuts down at once; a conversion that ended already is left as it is.
func (a *archive) cancel(ctx context.Context) error {
	defer a.conn.Close()
	select {
	case <-a.ended:
		return nil
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := a.api.CancelConversion(ctx, &cctvv1.CancelConversionRequest{Date: a.date}); err != nil {
		return fmt.Errorf("cancel archive of %s: %w", a.date, err)
	}
	return nil
}
