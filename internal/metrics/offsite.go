package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Offsite is the off-site uploader's series, by camera.
type Offsite struct {
	sent         *prometheus.CounterVec
	errors       *prometheus.CounterVec
	verified     *prometheus.GaugeVec
	lastVerified *prometheus.GaugeVec
}

// NewOffsite registers the off-site series; call it once.
func (m *Metrics) NewOffsite() *Offsite {
	f := factory{m.reg}
	return &Offsite{
		sent:         f.counterVec("cctvd_offsite_uploaded_bytes_total", "Bytes sent to the off-site bucket, by camera (sent again after an error: counted again).", "camera"),
		errors:       f.counterVec("cctvd_offsite_errors_total", "Failed off-site uploads by camera and class (credentials, no_bucket, unreachable, server, full, mismatch, local_changed, local_missing, other); camera \"\" for the bucket's own errors.", "camera", "class"),
		verified:     f.gaugeVec("cctvd_offsite_verified_days", "Days verified off-site, by camera: local days whose archives are all in the bucket, and days whose local archives --keep-local deleted.", "camera"),
		lastVerified: f.gaugeVec("cctvd_offsite_last_verified_timestamp_seconds", "When the last day of the camera was verified off-site by this process (Unix time).", "camera"),
	}
}

// Sent counts bytes sent for camera's day.
func (o *Offsite) Sent(camera string, n int64) { o.sent.WithLabelValues(camera).Add(float64(n)) }

// Error counts a failed upload.
func (o *Offsite) Error(camera, class string) { o.errors.WithLabelValues(camera, class).Inc() }

// Verified records a day verified off-site.
func (o *Offsite) Verified(camera string, at time.Time) {
	o.lastVerified.WithLabelValues(camera).Set(float64(at.Unix()))
}

// Scanned sets each camera's count of verified days.
func (o *Offsite) Scanned(verified map[string]int) {
	for camera, n := range verified {
		o.verified.WithLabelValues(camera).Set(float64(n))
		o.sent.WithLabelValues(camera) // at 0 before the first upload
	}
}
