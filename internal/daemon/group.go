package daemon

import (
	"context"
	"errors"
	"sync"
)

// group runs the daemon's components: the first to fail stops the others,
// and wait returns once all have stopped.
type group struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc
	ctx    context.Context
	mu     sync.Mutex
	errs   []error
}

func (g *group) init(ctx context.Context) context.Context {
	g.ctx, g.cancel = context.WithCancel(ctx)
	return g.ctx
}

func (g *group) run(f func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(g.ctx); err != nil && !errors.Is(err, context.Canceled) {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
			g.cancel()
		}
	}()
}

func (g *group) wait() error {
	g.wg.Wait()
	g.cancel()
	return errors.Join(g.errs...)
}
