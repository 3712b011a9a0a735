package metrics

import "github.com/prometheus/client_golang/prometheus"

// storedCollector reads the root's figures at scrape time.
type storedCollector struct {
	read func() Stored
}

var (
	daysDesc     = prometheus.NewDesc("cctvd_days", "Days by state.", []string{"state"}, nil)
	segmentsDesc = prometheus.NewDesc("cctvd_segments_stored", "Segments waiting in day folders.", nil, nil)
	bytesDesc    = prometheus.NewDesc("cctvd_bytes_stored", "Bytes stored, by kind (segments, archives).", []string{"kind"}, nil)
	ingestedDesc = prometheus.NewDesc("cctvd_segments_ingested_total", "Segments taken in since start-up.", nil, nil)
)

func (c *storedCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{daysDesc, segmentsDesc, bytesDesc, ingestedDesc} {
		ch <- d
	}
}

func (c *storedCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.read()
	for state, n := range s.DaysByState {
		ch <- prometheus.MustNewConstMetric(daysDesc, prometheus.GaugeValue, float64(n), state)
	}
	ch <- prometheus.MustNewConstMetric(segmentsDesc, prometheus.GaugeValue, float64(s.Segments))
	ch <- prometheus.MustNewConstMetric(bytesDesc, prometheus.GaugeValue, float64(s.Bytes), "segments")
	ch <- prometheus.MustNewConstMetric(bytesDesc, prometheus.GaugeValue, float64(s.ArchiveBytes), "archives")
	ch <- prometheus.MustNewConstMetric(ingestedDesc, prometheus.CounterValue, float64(s.Ingested))
}
