package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// server5xx counts the 5xx answers cctvd's own metrics saw, a check on
// the players' count from the other side, and names their routes and codes.
func server5xx(ctx context.Context, hc *http.Client, base *url.URL) (int, []string, error) {
	u, _ := base.Parse("/metrics")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("metrics: status %d", resp.StatusCode)
	}
	n, which := 0, []string(nil)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "cctvd_http_requests_total{") || !strings.Contains(line, `code="5`) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			return 0, nil, fmt.Errorf("metrics: %q: %w", line, err)
		}
		if v > 0 {
			n += int(v)
			which = append(which, line)
		}
	}
	return n, which, sc.Err()
}

// quantile of sorted durations, nearest rank.
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

func ms(d time.Duration) string { return strconv.FormatFloat(d.Seconds()*1000, 'f', 1, 64) + " ms" }

// report prints the figures and returns an error if players saw errors or
// the archive failed; a missed latency goal is printed, not returned.
func (r *result) report(w io.Writer, cfg config, logPath string) error {
	secs := r.elapsed.Seconds()
	errs := 0
	for _, n := range r.errs {
		errs += n
	}
	// 404s of the archiving day's segments are what players see once its
	// archive is committed; before that they are errors like any other.
	goneOK := r.archiveEnded && r.archiveFailed == nil
	if !goneOK {
		errs += r.gone
	}
	fmt.Fprintf(w, "requests: %d in %.1f s = %.0f/s, %.1f MB/s received\n", r.requests, secs,
		float64(r.requests)/secs, float64(r.bytes)/secs/1e6)
	fmt.Fprintf(w, "  %-9s %8s %9s %9s %9s %9s\n", "kind", "count", "p50", "p99", "p99.9", "max")
	for k := range r.lat {
		d := r.lat[k]
		slices.Sort(d)
		if len(d) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-9s %8d %9s %9s %9s %9s\n", kindNames[k], len(d), ms(quantile(d, 0.5)), ms(quantile(d, 0.99)),
			ms(quantile(d, 0.999)), ms(d[len(d)-1]))
	}
	fmt.Fprintf(w, "errors: %d", errs)
	if errs > 0 {
		var classes []string
		for c, n := range r.errs {
			classes = append(classes, fmt.Sprintf("%s %d", c, n))
		}
		if !goneOK && r.gone > 0 {
			classes = append(classes, fmt.Sprintf("archiving day's segments gone %d", r.gone))
		}
		sort.Strings(classes)
		fmt.Fprintf(w, " (%s)", strings.Join(classes, ", "))
	}
	fmt.Fprintln(w)
	for _, e := range r.examples {
		fmt.Fprintf(w, "  e.g. %s\n", e)
	}
	if goneOK && r.gone > 0 {
		fmt.Fprintf(w, "  %d requests found the archiving day archived (its segments gone): expected once it is committed\n", r.gone)
	}
	switch {
	case r.serverErr != nil:
		fmt.Fprintf(w, "server side: %v\n", r.serverErr)
	case r.serverErrors > 0:
		fmt.Fprintf(w, "server side: cctvd counted %d 5xx answers: %s\n", r.serverErrors, strings.Join(r.serverErrorLines, ", "))
		errs += r.serverErrors
	}

	throughout := r.archiveStart.running && r.archiveEnd.running && !r.archiveEnded
	fmt.Fprintf(w, "archive: at start %v; at end %v", r.archiveStart, r.archiveEnd)
	if r.archiveStart.running && r.archiveEnd.running {
		fmt.Fprintf(w, "; %d frames encoded in the window", r.archiveEnd.frames-r.archiveStart.frames)
	}
	fmt.Fprintln(w)
	yes := "yes"
	if !throughout {
		yes = "NO"
		if r.archiveEnded {
			yes += ", it ended within the window (" + r.archiveHow + "): raise -segments"
		}
	}
	fmt.Fprintf(w, "archive running throughout: %s\n", yes)
	if r.statusErr != nil {
		fmt.Fprintf(w, "  control api: %v\n", r.statusErr)
	}
	c := r.cpu
	fmt.Fprintf(w, "cpu in the window (core-seconds of %.0f): cctvd %.1f, its ffmpeg %.1f, load generator %.1f, kernel softirq %.1f, other processes %.1f\n",
		secs*float64(runtime.NumCPU()), c.daemon.Seconds(), c.children.Seconds(), c.self.Seconds(), c.softirq.Seconds(),
		max(c.busy-c.daemon-c.children-c.self-c.softirq, 0).Seconds())
	fmt.Fprintf(w, "camera: %d segments delivered into today", r.delivered)
	if r.cameraErr != nil {
		fmt.Fprintf(w, " (stopped: %v)", r.cameraErr)
	}
	fmt.Fprintln(w)
	if len(r.logged) > 0 {
		fmt.Fprintf(w, "cctvd logged %d warnings or errors (%s), e.g.:\n", len(r.logged), logPath)
		for _, l := range r.logged[:min(len(r.logged), 5)] {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	if r.stopErr != nil {
		fmt.Fprintf(w, "shutdown: %v\n", r.stopErr)
	}
	if r.exports != nil {
		r.exports.report(w, r.elapsed)
		errs += r.exports.errs
	}

	p99 := quantile(r.lat[playlistReq], 0.99)
	met := "met"
	if p99 >= cfg.goal {
		met = "NOT met"
	}
	fmt.Fprintf(w, "goal p99 playlist < %v: %s (%s)\n", cfg.goal, met, ms(p99))

	var err error
	if errs > 0 {
		err = fmt.Errorf("%d errors under load (log: %s)", errs, logPath)
	}
	if r.cameraErr != nil {
		err = errors.Join(err, r.cameraErr)
	}
	return errors.Join(err, r.archiveFailed, r.stopErr)
}
