package metrics

import "github.com/prometheus/client_golang/prometheus"

// Retention is retention's series: what it deleted, by camera, and
// whether it is blocked.
type Retention struct {
	days, bytes *prometheus.CounterVec
	blocked     *prometheus.GaugeVec
}

// NewRetention registers retention's series; call it once.
func (m *Metrics) NewRetention() *Retention {
	f := factory{m.reg}
	r := &Retention{
		days:    f.counterVec("cctvd_retention_deleted_days_total", "Days whose archives retention deleted, by camera.", "camera"),
		bytes:   f.counterVec("cctvd_retention_deleted_bytes_total", "Bytes retention deleted, by camera.", "camera"),
		blocked: f.gaugeVec("cctvd_retention_blocked", "1 while free space is under --keep-free and no day may be deleted."),
	}
	r.blocked.WithLabelValues().Set(0)
	return r
}

// Deleted counts a day retention deleted.
func (r *Retention) Deleted(camera string, bytes int64) {
	r.days.WithLabelValues(camera).Inc()
	r.bytes.WithLabelValues(camera).Add(float64(bytes))
}

// Blocked sets the blocked gauge.
func (r *Retention) Blocked(on bool) {
	v := 0.0
	if on {
		v = 1
	}
	r.blocked.WithLabelValues().Set(v)
}
