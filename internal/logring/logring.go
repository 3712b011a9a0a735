// Package logring keeps the last errors logged through slog, so that cctvctl status can show them.
package logring

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Entry is one error logged.
type Entry struct {
	Time time.Time
	// Day is the date it concerns (YYYY-MM-DD), if any.
	Day string
	// Component reported it: "archive", "http", "catalog", ...
	Component string
	// Message is the record's message, then ": " and its "err" if it has one.
	Message string
}

// Handler is a slog.Handler that passes every record on to another
// handler and keeps the last errors (records at slog.LevelError and
// above). Wrap the daemon's handler in it:
//
//	errs := logring.New(slog.NewTextHandler(os.Stderr, nil), 20)
//	log := slog.New(errs)
type Handler struct {
	next  slog.Handler
	ring  *ring
	attrs []slog.Attr // top-level attributes from WithAttrs: component, day
	group bool        // attributes now go into a group
}

var _ slog.Handler = (*Handler)(nil)

type ring struct {
	mu   sync.Mutex
	errs []Entry // oldest first
	max  int
}

// New keeps the last n errors logged through next.
func New(next slog.Handler, n int) *Handler {
	return &Handler{next: next, ring: &ring{max: max(n, 1)}}
}

// Enabled is true for errors, which are always kept, and for whatever the
// next handler takes.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || h.next.Enabled(ctx, l)
}

// Handle keeps an error, then passes the record on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
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
func (h *Handler) keep(r slog.Record) {
	e := Entry{Time: r.Time, Message: r.Message}
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

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	if !h.group {
		c.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], attrs...)
	}
	return &c
}

func (h *Handler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.group = c.group || name != ""
	return &c
}

// Recent lists the errors kept, newest first.
func (h *Handler) Recent() []Entry {
	return h.ring.recent()
}

func (r *ring) add(e Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) == r.max {
		r.errs = append(r.errs[:0], r.errs[1:]...)
	}
	r.errs = append(r.errs, e)
}

func (r *ring) recent() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Entry, len(r.errs))
	for i, e := range r.errs {
		out[len(r.errs)-1-i] = e
	}
	return out
}
