// Package metrics exposes cctvd's Prometheus metrics.
package metrics

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Stored is what one camera's folders hold at one moment.
type Stored struct {
	// Camera is the camera's name, "" for the default camera.
	Camera string
	// DaysByState counts days per state name (recording, settling, archived…).
	DaysByState map[string]int
	// Segments and Bytes are the segments waiting in day folders.
	Segments int
	Bytes    int64
	// ArchiveBytes is the size of all archive files.
	ArchiveBytes int64
	// Ingested counts segments taken in since start-up.
	Ingested int64
	// LastSegment is when the newest segment ends; zero: none yet.
	LastSegment time.Time
	// Silent reports a camera that has sent nothing for too long.
	Silent bool
	// OldestScrub is the oldest last scrub of the camera's archives;
	// zero: no archives.
	OldestScrub time.Time
}

// Metrics holds cctvd's collectors in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests    *prometheus.CounterVec
	uploadsRejected *prometheus.CounterVec
	archiveRuns     *prometheus.CounterVec
	encodeSeconds   *prometheus.CounterVec
	realtime        *prometheus.GaugeVec
	archivedIn      *prometheus.CounterVec
	archivedOut     *prometheus.CounterVec
	lastArchive     *prometheus.GaugeVec
	scrubBytes      *prometheus.CounterVec
	scrubFailures   *prometheus.CounterVec
}

// New registers the collectors; ReadStored adds what the root holds.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}
	m.httpRequests = f.counterVec("cctvd_http_requests_total", "HTTP requests by route and status code.", "route", "code")
	m.uploadsRejected = f.counterVec("cctvd_uploads_rejected_total", "Uploads refused, by reason.", "reason")
	// The archive series have a camera label ("" for the default camera).
	m.archiveRuns = f.counterVec("cctvd_archive_runs_total", "Archive runs by camera and result (ok, failed, cancelled).", "camera", "result")
	m.encodeSeconds = f.counterVec("cctvd_encode_seconds_total", "Wall-clock seconds spent encoding archives.", "camera")
	m.realtime = f.gaugeVec("cctvd_encode_realtime_factor", "Footage seconds encoded per wall-clock second, last archive run.", "camera")
	m.archivedIn = f.counterVec("cctvd_archive_input_bytes_total", "Segment bytes that went into archives.", "camera")
	m.archivedOut = f.counterVec("cctvd_archive_output_bytes_total", "Archive bytes written.", "camera")
	m.lastArchive = f.gaugeVec("cctvd_last_archive_success_timestamp_seconds", "When the last archive run succeeded (Unix time).", "camera")
	m.scrubBytes = f.counterVec("cctvd_scrub_bytes_total", "Archive bytes re-hashed by scrubs.", "camera")
	m.scrubFailures = f.counterVec("cctvd_scrub_failures_total", "Scrubs that found an archive damaged (mismatch, missing or bad checksum, unreadable).", "camera")
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ReadStored has every scrape call read, so that the figures of what the
// root holds are never stale and nothing is counted twice. Call it once,
// before serving: it comes apart from New because what it reads is built
// after the parts that report to the metrics.
func (m *Metrics) ReadStored(read func() []Stored) {
	m.reg.MustRegister(&storedCollector{read: read})
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ArchiveRun records the end of an archive run of a camera's day.
func (m *Metrics) ArchiveRun(camera, result string, encode, footage time.Duration, bytesIn, bytesOut int64, at time.Time) {
	m.archiveRuns.WithLabelValues(camera, result).Inc()
	if result != "ok" {
		return
	}
	m.encodeSeconds.WithLabelValues(camera).Add(encode.Seconds())
	if encode > 0 {
		m.realtime.WithLabelValues(camera).Set(footage.Seconds() / encode.Seconds())
	}
	m.archivedIn.WithLabelValues(camera).Add(float64(bytesIn))
	m.archivedOut.WithLabelValues(camera).Add(float64(bytesOut))
	m.lastArchive.WithLabelValues(camera).Set(float64(at.Unix()))
}

// ScrubCamera shows camera's scrub counters at 0 before its first scrub.
func (m *Metrics) ScrubCamera(camera string) {
	m.scrubBytes.WithLabelValues(camera)
	m.scrubFailures.WithLabelValues(camera)
}

// ScrubBytes counts archive bytes a scrub read.
func (m *Metrics) ScrubBytes(camera string, n int64) {
	m.scrubBytes.WithLabelValues(camera).Add(float64(n))
}

// ScrubDamaged counts a scrub that found an archive damaged.
func (m *Metrics) ScrubDamaged(camera string) { m.scrubFailures.WithLabelValues(camera).Inc() }

// Instrument counts the requests h answers, by route and status code, and
// refused uploads by reason.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		route := Route(r)
		m.httpRequests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		if route == "upload" && sw.code >= 400 {
			m.uploadsRejected.WithLabelValues(uploadReason(sw.code)).Inc()
		}
	})
}

// Route names the route of a request with a small, fixed set of labels, so
// that hostile paths cannot blow up the metric's cardinality.
func Route(r *http.Request) string {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/cameras/"); ok {
		// A camera's routes are the default camera's under its prefix.
		_, p, _ = strings.Cut(rest, "/")
		p = "/" + p
	}
	switch {
	case r.Method == http.MethodPut:
		return "upload"
	case p == "/" || p == "/index.php":
		return "index"
	case p == "/playlist.m3u8" || p == "/playlist.php":
		return "playlist"
	case p == "/healthz":
		return "healthz"
	case p == "/metrics":
		return "metrics"
	case strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/thumb"):
		return "static"
	case strings.Count(p, "/") == 2:
		return "file"
	}
	return "other"
}

func uploadReason(code int) string {
	switch code {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden, http.StatusMethodNotAllowed:
		return "uploads_off"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnprocessableEntity:
		return "not_ts"
	case http.StatusConflict:
		return "conflict"
	case http.StatusBadRequest, http.StatusNotFound:
		return "bad_request" // a bad name, or a body cut off
	case http.StatusRequestTimeout:
		return "stalled"
	case http.StatusInsufficientStorage:
		return "disk_full"
	}
	return "error"
}

type statusWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom keeps http.ServeContent's copy on the connection's sendfile:
// without it every segment would go through user space 32 KiB at a time.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(w.ResponseWriter, r)
}

type factory struct{ reg *prometheus.Registry }

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}
