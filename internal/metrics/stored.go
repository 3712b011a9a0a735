package metrics

import "github.com/prometheus/client_golang/prometheus"

// storedCollector reads the cameras' figures at scrape time.
type storedCollector struct {
	read func() []Stored
}

// Every series has a camera label: "" for the default camera.
var (
	daysDesc     = prometheus.NewDesc("cctvd_days", "Days by camera and state.", []string{"camera", "state"}, nil)
	segmentsDesc = prometheus.NewDesc("cctvd_segments_stored", "Segments waiting in day folders.", []string{"camera"}, nil)
	bytesDesc    = prometheus.NewDesc("cctvd_bytes_stored", "Bytes stored, by camera and kind (segments, archives).", []string{"camera", "kind"}, nil)
	ingestedDesc = prometheus.NewDesc("cctvd_segments_ingested_total", "Segments taken in since start-up.", []string{"camera"}, nil)
	lastDesc     = prometheus.NewDesc("cctvd_camera_last_segment_timestamp_seconds", "When the camera's newest segment ends (Unix time); absent before its first.", []string{"camera"}, nil)
	silentDesc   = prometheus.NewDesc("cctvd_camera_silent", "1 when the camera has sent nothing for longer than the silence threshold.", []string{"camera"}, nil)
	// One series a camera, not one an archive: the oldest scrub is what
	// an alert needs ("older than twice --scrub-every"), and days would
	// grow the series without bound.
	scrubDesc = prometheus.NewDesc("cctvd_archive_last_scrub_timestamp_seconds",
		"The oldest last scrub of the camera's archives (Unix time), an archive never scrubbed counting from when cctvd first saw it; absent without archives.", []string{"camera"}, nil)
)

func (c *storedCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{daysDesc, segmentsDesc, bytesDesc, ingestedDesc, lastDesc, silentDesc, scrubDesc} {
		ch <- d
	}
}

func (c *storedCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.read() {
		for state, n := range s.DaysByState {
			ch <- prometheus.MustNewConstMetric(daysDesc, prometheus.GaugeValue, float64(n), s.Camera, state)
		}
		ch <- prometheus.MustNewConstMetric(segmentsDesc, prometheus.GaugeValue, float64(s.Segments), s.Camera)
		ch <- prometheus.MustNewConstMetric(bytesDesc, prometheus.GaugeValue, float64(s.Bytes), s.Camera, "segments")
		ch <- prometheus.MustNewConstMetric(bytesDesc, prometheus.GaugeValue, float64(s.ArchiveBytes), s.Camera, "archives")
		ch <- prometheus.MustNewConstMetric(ingestedDesc, prometheus.CounterValue, float64(s.Ingested), s.Camera)
		if !s.LastSegment.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastDesc, prometheus.GaugeValue, float64(s.LastSegment.UnixNano())/1e9, s.Camera)
		}
		if !s.OldestScrub.IsZero() {
			ch <- prometheus.MustNewConstMetric(scrubDesc, prometheus.GaugeValue, float64(s.OldestScrub.UnixNano())/1e9, s.Camera)
		}
		silent := 0.0
		if s.Silent {
			silent = 1
		}
		ch <- prometheus.MustNewConstMetric(silentDesc, prometheus.GaugeValue, silent, s.Camera)
	}
}
