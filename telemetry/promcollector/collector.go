package promcollector

import (
	"math"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// DefaultBuckets are the bucket upper bounds, in seconds, of
// pecta_telemetry_request_duration_seconds unless WithBuckets says
// otherwise: from 5 ms (a request on a local network) to 10 s (the
// emitter's default request timeout).
var DefaultBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// An Option configures New.
type Option func(*options)

type options struct {
	constLabels prometheus.Labels
	buckets     []float64
}

// WithConstLabels adds labels with fixed values to every series, to tell
// apart the emitters of one process registered on one registry, such as
// prometheus.Labels{"emitter": "bids"}. Never use an agent ID: a label
// whose values grow with traffic makes a series per value.
func WithConstLabels(l prometheus.Labels) Option {
	return func(o *options) { o.constLabels = l }
}

// WithBuckets sets the bucket upper bounds, in seconds, of the request
// duration histogram (DefaultBuckets otherwise).
func WithBuckets(b []float64) Option {
	return func(o *options) { o.buckets = b }
}

// Collector is a prometheus.Collector of a telemetry emitter's counters
// and gauges, read from Emitter.Metrics at each scrape, and of a
// histogram of its ingest requests' durations, fed by Emitter.OnRequest.
// The package documentation lists the series. Register it on a
// prometheus.Registerer; Close it to remove its OnRequest hook.
type Collector struct {
	em       *telemetry.Emitter
	descs    descs
	requests *prometheus.HistogramVec
	remove   func()
	once     sync.Once
}

// descs describe the series read from Emitter.Metrics.
type descs struct {
	tracked, kept, sent, dropped, unconfirmed, replayed, batches, retries, rateLimited *prometheus.Desc
	queueEvents, queueBytes, queueCapacity, inflightBatches, inflightEvents            *prometheus.Desc
	budgetRate, budgetFallback, keyRejected, lastAccepted                              *prometheus.Desc
}

// New returns a Collector of em (which must not be nil) and installs its
// OnRequest hook on em.
func New(em *telemetry.Emitter, opts ...Option) *Collector {
	o := options{buckets: DefaultBuckets}
	for _, f := range opts {
		f(&o)
	}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("pecta_telemetry_"+name, help, labels, o.constLabels)
	}
	c := &Collector{em: em}
	c.descs = descs{
		tracked:     desc("events_tracked_total", "Events passed to Track, refused ones included."),
		kept:        desc("events_kept_total", "Tracked events the sampler kept."),
		sent:        desc("events_sent_total", "Events the server confirmed."),
		dropped:     desc("events_dropped_total", "Events that will never be delivered, by reason.", "reason"),
		unconfirmed: desc("events_unconfirmed_total", "Events of batches answered 2xx without a confirmed count."),
		replayed:    desc("events_replayed_total", "Events found in the spool when the emitter started."),
		batches:     desc("batches_accepted_total", "Batches the server accepted."),
		retries:     desc("retries_total", "Ingest requests retried after a 429, a 5xx or a network error."),
		rateLimited: desc("rate_limited_total", "Ingest requests answered 429."),

		queueEvents:     desc("queue_events", "Events waiting to be sent."),
		queueBytes:      desc("queue_bytes", "Bytes held against the queue's capacity."),
		queueCapacity:   desc("queue_capacity_bytes", "The queue's capacity (Config.MaxQueueBytes)."),
		inflightBatches: desc("inflight_batches", "Batches being sent or waiting to be retried."),
		inflightEvents:  desc("inflight_events", "Events in batches being sent or waiting to be retried."),

		budgetRate:     desc("budget_requests_per_second", "Ingest requests per second the budget grants now; absent when unpaced."),
		budgetFallback: desc("budget_fallback", "1 while a shared budget has fallen back to local pacing."),
		keyRejected:    desc("key_rejected", "1 while the server refuses the keys (401/403) and batches are dropped."),
		lastAccepted:   desc("last_accepted_timestamp_seconds", "When the server last accepted a batch, in seconds since the Unix epoch; 0 if never."),
	}
	c.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "pecta_telemetry_request_duration_seconds",
		Help:        `Duration of ingest requests, each attempt on its own, by the answer's HTTP status ("0": no answer).`,
		ConstLabels: o.constLabels,
		Buckets:     o.buckets,
	}, []string{"code"})
	c.remove = em.OnRequest(func(r telemetry.RequestInfo) {
		c.requests.WithLabelValues(strconv.Itoa(r.StatusCode)).Observe(r.Duration.Seconds())
	})
	return c
}

// Close removes the Collector's OnRequest hook: the request histogram
// stops growing, the other series are still read at each scrape. It does
// not unregister the Collector from a registry. It is safe to call more
// than once.
func (c *Collector) Close() {
	c.once.Do(c.remove)
}

// Describe sends the descriptors of every series to ch.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	d := &c.descs
	for _, desc := range []*prometheus.Desc{d.tracked, d.kept, d.sent, d.dropped, d.unconfirmed, d.replayed,
		d.batches, d.retries, d.rateLimited, d.queueEvents, d.queueBytes, d.queueCapacity, d.inflightBatches,
		d.inflightEvents, d.budgetRate, d.budgetFallback, d.keyRejected, d.lastAccepted} {
		ch <- desc
	}
	c.requests.Describe(ch)
}

// Collect reads the emitter's Metrics once and sends every series to ch.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	m := c.em.Metrics()
	d := &c.descs
	counter := func(desc *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v))
	}
	gauge := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v)
	}
	counter(d.tracked, m.Tracked)
	counter(d.kept, m.Kept)
	counter(d.sent, m.Sent)
	for reason, n := range m.Dropped.All() {
		ch <- prometheus.MustNewConstMetric(d.dropped, prometheus.CounterValue, float64(n), reason)
	}
	counter(d.unconfirmed, m.Unconfirmed)
	counter(d.replayed, m.Replayed)
	counter(d.batches, m.Batches)
	counter(d.retries, m.Retries)
	counter(d.rateLimited, m.RateLimited)

	gauge(d.queueEvents, float64(m.QueuedEvents))
	gauge(d.queueBytes, float64(m.QueuedBytes))
	gauge(d.queueCapacity, float64(m.QueueCapacity))
	gauge(d.inflightBatches, float64(m.InFlight))
	gauge(d.inflightEvents, float64(m.InFlightEvents))

	if !math.IsInf(m.BudgetRate, 0) && !math.IsNaN(m.BudgetRate) {
		gauge(d.budgetRate, m.BudgetRate)
	}
	gauge(d.budgetFallback, boolFloat(m.BudgetFallback))
	gauge(d.keyRejected, boolFloat(m.KeyRejected))
	var last float64
	if !m.LastAccepted.IsZero() {
		last = float64(m.LastAccepted.UnixNano()) / 1e9
	}
	gauge(d.lastAccepted, last)
	c.requests.Collect(ch)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
