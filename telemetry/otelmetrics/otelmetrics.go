package otelmetrics

import (
	"context"
	"errors"
	"math"
	"net"
	"strconv"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// ScopeName is the instrumentation scope of the meter Register takes from
// the MeterProvider.
const ScopeName = "github.com/pecta-ai/pecta-go/telemetry/otelmetrics"

// The attributes Register sets, from the OpenTelemetry semantic
// conventions (error.type and http.response.status_code are the keys the
// SDK's own processor and exporter metrics use).
const (
	// ErrorType is set on pecta.telemetry.event.processed to the drop
	// reason (one of telemetry.DropCounts' fixed set) and on
	// pecta.telemetry.request.duration when the request failed. It is
	// absent for events the server confirmed and for accepted requests.
	ErrorType = attribute.Key("error.type")
	// StatusCode is the HTTP status of an ingest request's answer, on
	// pecta.telemetry.request.duration; absent when no answer arrived.
	StatusCode = attribute.Key("http.response.status_code")
)

// DurationBuckets are the bucket boundaries, in seconds, that Register
// advises for pecta.telemetry.request.duration: those the semantic
// conventions advise for HTTP client request durations. A View overrides
// them.
var DurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// An Option configures Register.
type Option func(*config)

type config struct {
	attrs []attribute.KeyValue
}

// WithAttributes adds attributes to every measurement, to tell apart the
// emitters of one process that report through one MeterProvider, such as
// attribute.String("pecta.emitter", "bids"). Keep them few and fixed: an
// attribute whose values grow with traffic (an agent ID) makes a series
// per value.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// Registration is what Register returns: Unregister undoes it.
type Registration struct {
	callback metric.Registration
	remove   func()
	once     sync.Once
	err      error
}

// Unregister stops reporting the emitter: the observable instruments are
// no longer observed and the request histogram no longer recorded. It is
// safe to call more than once; the later calls return the first's error.
// The instruments stay known to the meter (the metric API has no way to
// remove one) but report nothing.
func (r *Registration) Unregister() error {
	r.once.Do(func() {
		r.remove()
		r.err = r.callback.Unregister()
	})
	return r.err
}

// instruments are the observable instruments, read in one callback.
type instruments struct {
	tracked, kept, processed, unconfirmed, replayed metric.Int64ObservableCounter
	batches, retries, rateLimited                   metric.Int64ObservableCounter

	queueSize, queueUsage, queueCapacity metric.Int64ObservableUpDownCounter
	inflightEvents, inflightBatches      metric.Int64ObservableUpDownCounter

	budgetRate, lastAccepted    metric.Float64ObservableGauge
	budgetFallback, keyRejected metric.Int64ObservableGauge
}

// Register reports em's counters and gauges through instruments of a
// meter from mp (scope ScopeName), read with em.Metrics() in one
// callback at each collection, and the duration of every ingest request
// through a histogram fed by em.OnRequest. The package documentation
// lists the instruments. Call Unregister on the result to stop.
//
// Register an emitter once per MeterProvider. The instruments of several
// emitters on one MeterProvider are the same; give each emitter its own
// WithAttributes so that their measurements stay apart.
func Register(em *telemetry.Emitter, mp metric.MeterProvider, opts ...Option) (*Registration, error) {
	if em == nil || mp == nil {
		return nil, errors.New("otelmetrics: Register needs an emitter and a MeterProvider")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	m := mp.Meter(ScopeName)
	in, duration, err := newInstruments(m)
	if err != nil {
		return nil, err
	}
	base := attribute.NewSet(cfg.attrs...)
	cb, err := m.RegisterCallback(in.callback(em, base),
		in.tracked, in.kept, in.processed, in.unconfirmed, in.replayed,
		in.batches, in.retries, in.rateLimited,
		in.queueSize, in.queueUsage, in.queueCapacity, in.inflightEvents, in.inflightBatches,
		in.budgetRate, in.lastAccepted, in.budgetFallback, in.keyRejected)
	if err != nil {
		return nil, err
	}
	remove := em.OnRequest(func(r telemetry.RequestInfo) {
		duration.Record(context.Background(), r.Duration.Seconds(), metric.WithAttributeSet(requestAttrs(cfg.attrs, r)))
	})
	return &Registration{callback: cb, remove: remove}, nil
}

// newInstruments creates the instruments on m.
func newInstruments(m metric.Meter) (*instruments, metric.Float64Histogram, error) {
	var errs []error
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	upDown := func(name, unit, desc string) metric.Int64ObservableUpDownCounter {
		c, err := m.Int64ObservableUpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		g, err := m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	floatGauge := func(name, unit, desc string) metric.Float64ObservableGauge {
		g, err := m.Float64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	in := &instruments{
		tracked:     counter("pecta.telemetry.event.tracked", "{event}", "Events passed to Track, refused ones included."),
		kept:        counter("pecta.telemetry.event.kept", "{event}", "Tracked events the sampler kept."),
		processed:   counter("pecta.telemetry.event.processed", "{event}", "Events whose delivery ended: confirmed by the server (no error.type) or dropped (error.type is the reason)."),
		unconfirmed: counter("pecta.telemetry.event.unconfirmed", "{event}", "Events of batches answered 2xx without a confirmed count."),
		replayed:    counter("pecta.telemetry.event.replayed", "{event}", "Events found in the spool when the emitter started."),
		batches:     counter("pecta.telemetry.batch.accepted", "{batch}", "Batches the server accepted."),
		retries:     counter("pecta.telemetry.request.retries", "{request}", "Ingest requests retried after a 429, a 5xx or a network error."),
		rateLimited: counter("pecta.telemetry.request.rate_limited", "{request}", "Ingest requests answered 429."),

		queueSize:       upDown("pecta.telemetry.queue.size", "{event}", "Events waiting to be sent."),
		queueUsage:      upDown("pecta.telemetry.queue.usage", "By", "Bytes held against the queue's capacity."),
		queueCapacity:   upDown("pecta.telemetry.queue.capacity", "By", "The queue's capacity (Config.MaxQueueBytes)."),
		inflightEvents:  upDown("pecta.telemetry.event.inflight", "{event}", "Events in batches being sent or waiting to be retried."),
		inflightBatches: upDown("pecta.telemetry.batch.inflight", "{batch}", "Batches being sent or waiting to be retried."),

		budgetRate:     floatGauge("pecta.telemetry.budget.rate", "{request}/s", "Ingest requests per second the budget grants now; not reported when unpaced."),
		lastAccepted:   floatGauge("pecta.telemetry.batch.last_accepted_time", "s", "When the server last accepted a batch, in seconds since the Unix epoch; 0 if never."),
		budgetFallback: gauge("pecta.telemetry.budget.fallback", "1", "1 while a shared budget has fallen back to local pacing."),
		keyRejected:    gauge("pecta.telemetry.key.rejected", "1", "1 while the server refuses the keys (401/403) and batches are dropped."),
	}
	duration, err := m.Float64Histogram("pecta.telemetry.request.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of ingest requests, each attempt on its own."),
		metric.WithExplicitBucketBoundaries(DurationBuckets...))
	errs = append(errs, err)
	return in, duration, errors.Join(errs...)
}

// callback returns the callback that observes every instrument from one
// em.Metrics(). The attribute sets are built here, once: a collection
// allocates nothing for them.
func (in *instruments) callback(em *telemetry.Emitter, base attribute.Set) metric.Callback {
	all := metric.WithAttributeSet(base)
	var reasons []metric.ObserveOption
	var none telemetry.DropCounts
	for reason := range none.All() {
		kv := append(base.ToSlice(), ErrorType.String(reason))
		reasons = append(reasons, metric.WithAttributeSet(attribute.NewSet(kv...)))
	}
	return func(_ context.Context, o metric.Observer) error {
		m := em.Metrics()
		counter := func(c metric.Int64ObservableCounter, n uint64) { o.ObserveInt64(c, clamp(n), all) }
		counter(in.tracked, m.Tracked)
		counter(in.kept, m.Kept)
		counter(in.processed, m.Sent)
		i := 0
		for _, n := range m.Dropped.All() {
			o.ObserveInt64(in.processed, clamp(n), reasons[i])
			i++
		}
		counter(in.unconfirmed, m.Unconfirmed)
		counter(in.replayed, m.Replayed)
		counter(in.batches, m.Batches)
		counter(in.retries, m.Retries)
		counter(in.rateLimited, m.RateLimited)

		o.ObserveInt64(in.queueSize, clamp(m.QueuedEvents), all)
		o.ObserveInt64(in.queueUsage, m.QueuedBytes, all)
		o.ObserveInt64(in.queueCapacity, m.QueueCapacity, all)
		o.ObserveInt64(in.inflightEvents, clamp(m.InFlightEvents), all)
		o.ObserveInt64(in.inflightBatches, int64(m.InFlight), all)

		if !math.IsInf(m.BudgetRate, 0) && !math.IsNaN(m.BudgetRate) {
			o.ObserveFloat64(in.budgetRate, m.BudgetRate, all)
		}
		var last float64
		if !m.LastAccepted.IsZero() {
			last = float64(m.LastAccepted.UnixNano()) / 1e9
		}
		o.ObserveFloat64(in.lastAccepted, last, all)
		o.ObserveInt64(in.budgetFallback, boolInt(m.BudgetFallback), all)
		o.ObserveInt64(in.keyRejected, boolInt(m.KeyRejected), all)
		return nil
	}
}

// requestAttrs are the attributes of one request's duration: the status
// code when an answer arrived, and error.type when the request failed
// (the status code, or what became of a request without an answer).
func requestAttrs(base []attribute.KeyValue, r telemetry.RequestInfo) attribute.Set {
	kv := make([]attribute.KeyValue, 0, len(base)+2)
	kv = append(kv, base...)
	if r.StatusCode != 0 {
		kv = append(kv, StatusCode.Int(r.StatusCode))
	}
	if r.Err != nil {
		kv = append(kv, ErrorType.String(errorType(r)))
	}
	return attribute.NewSet(kv...)
}

// errorType is a failed request's error.type, from a small fixed set: the
// status code of an error answer, "timeout", "canceled", or "_OTHER" (the
// conventions' value for anything else: a refused or reset connection,
// an answer whose body could not be read).
func errorType(r telemetry.RequestInfo) string {
	var ne net.Error
	switch {
	case r.StatusCode >= 300:
		return strconv.Itoa(r.StatusCode)
	case errors.Is(r.Err, context.DeadlineExceeded), errors.As(r.Err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(r.Err, context.Canceled):
		return "canceled"
	default:
		return "_OTHER"
	}
}

func clamp(n uint64) int64 { return int64(min(n, math.MaxInt64)) }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
