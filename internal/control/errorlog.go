package control

import (
	"context"
	"log/slog"
	"sync"
)

// ErrorLog is a slog.Handler that passes every record on to another
// handler and keeps the last errors (records at slog.LevelError and above)
// for GetStatus. Wrap the daemon's handler in it and pass it as
// Deps.Errors:
//
//	errs := control.NewErrorLog(slog.NewTextHandler(os.Stderr, nil), 20)
//	log := slog.New(errs)
type ErrorLog struct {
	next  slog.Handler
	ring  *errorRing
	attrs []slog.Attr // top-level attributes from WithAttrs: component, day
	group bool        // attributes now go into a group
}

var (
	_ slog.Handler = (*ErrorLog)(nil)
	_ RecentErrors = (*ErrorLog)(nil)
)

type errorRing struct {
	mu   sync.Mutex
	errs []RecentError // oldest first
	max  int
}

// NewErrorLog keeps the last n errors logged through next.
func NewErrorLog(next slog.Handler, n int) *ErrorLog {
	return &ErrorLog{next: next, ring: &errorRing{max: max(n, 1)}}
}

// Enabled is true for errors, which are always kept, and for whatever the
// next handler takes.
func (h *ErrorLog) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || h.next.Enabled(ctx, l)
}

// Handle keeps an error, then passes the record on.
func (h *ErrorLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.keep(r)
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// keep records r with its "err" in the message and its "component" and
// "day" attributes, from the record or from WithAttrs.
func (h *ErrorLog) keep(r slog.Record) {
	e := RecentError{Time: r.Time, Message: r.Message}
	var errText string
	take := func(a slog.Attr) bool {
		switch a.Key {
		case "component":
			e.Component = a.Value.String()
		case "day":
			e.Day = a.Value.String()
		case "err":
			errText = a.Value.String()
		}
		return true
	}
	for _, a := range h.attrs {
		take(a)
	}
	if !h.group {
		r.Attrs(take)
	}
	if errText != "" {
		e.Message += ": " + errText
	}
	h.ring.add(e)
}

func (h *ErrorLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	if !h.group {
		c.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], attrs...)
	}
	return &c
}

func (h *ErrorLog) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.group = c.group || name != ""
	return &c
}

// Recent lists the errors kept, newest first.
func (h *ErrorLog) Recent() []RecentError {
	return h.ring.recent()
}

func (r *errorRing) add(e RecentError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) == r.max {
		r.errs = append(r.errs[:0], r.errs[1:]...)
	}
	r.errs = append(r.errs, e)
}

func (r *errorRing) recent() []RecentError {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RecentError, len(r.errs))
	for i, e := range r.errs {
		out[len(r.errs)-1-i] = e
	}
	return out
}
