package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Actions are what an operator may do to a day from the camera's page.
type Actions interface {
	// Hold holds day d for reason; who is the operator.
	Hold(d day.Date, reason, who string) error
	// Release ends d's hold.
	Release(d day.Date, who string) error
	// Convert archives d now, before it is due (force); today never.
	Convert(ctx context.Context, d day.Date) error
	// Cancel stops d's conversion, queued or running.
	Cancel(ctx context.Context, d day.Date) error
	// Converting are the days queued or converting.
	Converting() map[day.Date]bool
}

// dayOps are the forms an operator is offered for one day.
type dayOps struct {
	Date                           string
	Hold, Release, Convert, Cancel bool
}

// actionPrefix is where the actions are, under the camera's prefix.
const actionPrefix = "/actions/"

// maxActionBody bounds an action's form: a date and a reason.
const maxActionBody = 4 << 10

// operator is the operator a request comes from; false without one (no
// users file: anonymous or loopback, or a viewer) or without Actions.
func (s *Server) operator(r *http.Request) (string, bool) {
	if s.cfg.Actions == nil || s.cfg.Operator == nil {
		return "", false
	}
	return s.cfg.Operator(r)
}

// serveAction answers POST …/actions/NAME with date (and reason for a
// hold): 303 back to the page when it was done, a short text otherwise.
func (s *Server) serveAction(w http.ResponseWriter, r *http.Request, name string) {
	switch name {
	case "hold", "release", "convert", "cancel":
	default:
		text(w, http.StatusNotFound, "not found")
		return
	}
	if !allow(w, r, http.MethodPost) {
		return
	}
	who, ok := s.operator(r)
	if !ok {
		text(w, http.StatusForbidden, "forbidden: actions need an operator login (--users-file)")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxActionBody)
	if err := r.ParseForm(); err != nil {
		text(w, http.StatusBadRequest, "bad form: "+err.Error())
		return
	}
	d, err := day.Parse(r.PostForm.Get("date"))
	if err != nil {
		text(w, http.StatusBadRequest, "bad date: want date=YYYY-MM-DD")
		return
	}
	if _, ok := s.cat.Day(d); !ok {
		text(w, http.StatusNotFound, "no footage of "+d.String())
		return
	}
	// The archiver's calls return at once (a cancel waits for ffmpeg to
	// stop); a client gone away does not undo what was asked.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
	defer cancel()
	switch name {
	case "hold":
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		if reason == "" {
			text(w, http.StatusBadRequest, "a hold needs a reason")
			return
		}
		err = s.cfg.Actions.Hold(d, reason, who)
	case "release":
		err = s.cfg.Actions.Release(d, who)
	case "convert":
		err = s.cfg.Actions.Convert(ctx, d)
	case "cancel":
		err = s.cfg.Actions.Cancel(ctx, d)
	}
	if err != nil {
		s.log.Warn("page action refused", "action", name, "date", d.String(), "who", who, "err", err)
		text(w, http.StatusConflict, name+" "+d.String()+": "+err.Error())
		return
	}
	s.log.Info("page action", "action", name, "date", d.String(), "who", who)
	http.Redirect(w, r, s.backTo(r), http.StatusSeeOther)
}

// backTo is the page an action came from: the camera's index at / or at
// /index.php (the default camera's, when / is the cameras' overview).
func (s *Server) backTo(r *http.Request) string {
	back := s.cfg.Prefix + "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Path == s.cfg.Prefix+"/index.php" {
		back = ref.Path
	}
	return back
}

// ops are the forms offered for each page day.
func (s *Server) ops(page *indexPage, held map[day.Date]string) {
	converting := s.cfg.Actions.Converting()
	today := s.today()
	for i := range page.Days {
		pd := &page.Days[i]
		d, err := day.Parse(pd.Date)
		if err != nil {
			continue
		}
		past := d.Before(today)
		_, isHeld := held[d]
		o := &dayOps{Date: pd.Date, Release: isHeld, Hold: !isHeld && (past || len(pd.Archives) > 0),
			Cancel: converting[d]}
		o.Convert = past && !o.Cancel && (len(pd.Archives) == 0 || pd.Segments > 0)
		pd.Ops = o
	}
}
