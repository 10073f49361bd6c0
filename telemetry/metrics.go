package telemetry

import (
	"errors"
	"iter"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Metrics is the emitter's counters (they only grow) and gauges, read
// without a lock Track takes and without allocating, for exporters that
// poll it (the telemetry/otelmetrics and telemetry/promcollector modules).
// The fields are read one after another: Stats is the consistent snapshot.
type Metrics struct {
	// Tracked, Sent, Unconfirmed, Replayed, Batches and Retries are as in
	// Stats; Kept is Tracked - Dropped.Sampled; RateLimited counts 429s.
	Tracked, Kept, Sent, Unconfirmed, Replayed uint64
	Dropped                                    DropCounts
	Batches, Retries, RateLimited              uint64

	// The queue as in Stats; QueuedBytes counts against QueueCapacity
	// (MaxQueueBytes), the shards' reservations included.
	QueuedEvents, InFlightEvents uint64
	QueuedBytes, QueueCapacity   int64
	InFlight                     int

	BudgetRate     float64   // requests per second granted now (+Inf: unpaced)
	BudgetFallback bool      // a shared Budget fell back to local pacing
	KeyRejected    bool      // the server refuses the keys now: batches are dropped until a probe passes
	LastAccepted   time.Time // when the server last accepted a batch
}

// DropCounts counts dropped events by reason (Rejected: every
// "rejected:<code>").
type DropCounts struct {
	Invalid, Sampled, QueueFull, Closed, Rejected, RetriesExhausted,
	Shutdown, NotAccepted, SpoolFull, SpoolCorrupt uint64
}

// All yields each reason (a Reason* constant) with its count, in a fixed
// order.
func (d *DropCounts) All() iter.Seq2[string, uint64] {
	return func(yield func(string, uint64) bool) {
		for i, r := range dropReasons {
			if !yield(r, *d.at(i)) {
				return
			}
		}
	}
}

// Total returns the sum of every reason.
func (d *DropCounts) Total() uint64 {
	var n uint64
	for i := range dropReasons {
		n += *d.at(i)
	}
	return n
}

// dropReasons are DropCounts' reasons in field order.
var dropReasons = [...]string{ReasonInvalid, ReasonSampled, ReasonQueueFull, ReasonClosed, ReasonRejected,
	ReasonRetriesExhausted, ReasonShutdown, ReasonNotAccepted, ReasonSpoolFull, ReasonSpoolCorrupt}

func (d *DropCounts) at(i int) *uint64 {
	return [...]*uint64{&d.Invalid, &d.Sampled, &d.QueueFull, &d.Closed, &d.Rejected,
		&d.RetriesExhausted, &d.Shutdown, &d.NotAccepted, &d.SpoolFull, &d.SpoolCorrupt}[i]
}

// reasonIndex returns the DropCounts index of a drop reason.
func reasonIndex(reason string) int {
	if i := slices.Index(dropReasons[:], reason); i >= 0 {
		return i
	}
	return slices.Index(dropReasons[:], ReasonRejected) // "rejected:<code>"
}

// meters are the lock-free mirrors of the queue's counters, written where
// the counters guarded by Emitter.mu change, read by Metrics.
type meters struct {
	sent, unconfirmed, replayed, batches, retries, limited atomic.Uint64
	dropped                                                [len(dropReasons)]atomic.Uint64
	inflight                                               atomic.Int64
	inflightEvents                                         atomic.Uint64
	lastAccepted                                           atomic.Int64 // unix nanoseconds
}

// Metrics returns the emitter's counters and gauges.
func (e *Emitter) Metrics() Metrics {
	if e.nop {
		return Metrics{BudgetRate: 0}
	}
	var accepted, full uint64
	for i := range e.shards {
		accepted += e.shards[i].accepted.Load()
		full += e.shards[i].full.Load()
	}
	_, sampled := e.samp.totals()
	m := &e.q.m
	var r Metrics
	for i := range dropReasons {
		*r.Dropped.at(i) = m.dropped[i].Load()
	}
	r.Dropped.Invalid = e.dropInvalid.Load()
	r.Dropped.Sampled = sampled
	r.Dropped.Closed = e.dropClosed.Load()
	r.Dropped.QueueFull += full // the DropOldest evictions are in m
	r.Tracked = accepted + r.Dropped.Invalid + r.Dropped.Sampled + r.Dropped.Closed + full
	r.Kept = r.Tracked - r.Dropped.Sampled
	r.Sent, r.Unconfirmed, r.Replayed = m.sent.Load(), m.unconfirmed.Load(), m.replayed.Load()
	r.Batches, r.Retries, r.RateLimited = m.batches.Load(), m.retries.Load(), m.limited.Load()
	r.InFlight, r.InFlightEvents = int(m.inflight.Load()), m.inflightEvents.Load()
	if in, out := r.Tracked+r.Replayed, r.Sent+r.Unconfirmed+r.Dropped.Total()+r.InFlightEvents; in > out {
		r.QueuedEvents = in - out
	}
	r.QueuedBytes, r.QueueCapacity = e.queued.Load(), e.set.maxQueueBytes
	st := e.budget.State()
	r.BudgetRate, r.BudgetFallback = st.Rate, st.Fallback
	r.KeyRejected = e.life.keys.refused.Load()
	if ns := m.lastAccepted.Load(); ns != 0 {
		r.LastAccepted = time.Unix(0, ns)
	}
	return r
}

// RequestInfo describes one ingest request (one attempt of a batch).
// StatusCode is 202 for an accepted batch and 0 when no answer came.
type RequestInfo struct {
	Duration   time.Duration // from sending the request to reading the answer
	StatusCode int
	Events     int   // events in the batch
	Err        error // nil when the batch was accepted
}

// observers are the functions OnRequest registered.
type observers struct {
	mu  sync.Mutex
	fns atomic.Pointer[[]*func(RequestInfo)]
}

// OnRequest registers f to be told about every ingest request, on the
// goroutine that sent it (f must not block), until remove is called.
func (e *Emitter) OnRequest(f func(RequestInfo)) (remove func()) {
	o := &e.observers
	p := &f
	o.mu.Lock()
	defer o.mu.Unlock()
	var cur []*func(RequestInfo)
	if old := o.fns.Load(); old != nil {
		cur = *old
	}
	next := append(slices.Clip(cur), p)
	o.fns.Store(&next)
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if old := o.fns.Load(); old != nil {
			next := slices.DeleteFunc(slices.Clone(*old), func(q *func(RequestInfo)) bool { return q == p })
			o.fns.Store(&next)
		}
	}
}

// observe tells the registered functions about a request.
func (e *Emitter) observe(d time.Duration, events int, err error) {
	fns := e.observers.fns.Load()
	if fns == nil || len(*fns) == 0 {
		return
	}
	info := RequestInfo{Duration: d, Events: events, Err: err}
	var apiErr *pecta.APIError
	var respErr *pecta.ResponseError
	switch {
	case err == nil:
		info.StatusCode = http.StatusAccepted
	case errors.As(err, &apiErr):
		info.StatusCode = apiErr.StatusCode
	case errors.As(err, &respErr):
		info.StatusCode = respErr.StatusCode
	}
	for _, f := range *fns {
		(*f)(info)
	}
}
