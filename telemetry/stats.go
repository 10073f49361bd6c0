package telemetry

import (
	"fmt"
	"strconv"
	"time"
)

// Stats is a consistent snapshot of the emitter's counters, taken under
// its locks (for frequent reads, Metrics takes none): at every snapshot
// Tracked + Replayed == Sent + Unconfirmed + Dropped + Pending.
type Stats struct {
	Tracked         uint64            // events passed to Track, refused ones included
	Sent            uint64            // events a 2xx answer confirmed
	Unconfirmed     uint64            // events of 2xx answers without a valid count: not retried, not known stored
	Dropped         uint64            // events that will never be delivered
	DroppedByReason map[string]uint64 // Dropped by reason (ReasonInvalid, ..., "rejected:<code>")
	Pending         uint64            // QueuedEvents + InFlightEvents

	QueuedEvents   uint64 // not yet being sent (open batches, the queue, the spool)
	QueuedBytes    int64  // encoded bytes held, in-flight batches included
	InFlight       int    // batches being sent or waiting to be retried
	InFlightEvents uint64 // events in those batches

	KeptFraction   float64     // share of the events the sampler kept since New
	Budget         BudgetState // the Budget now: rate, 429s, fallback
	Batches        uint64      // requests the server accepted
	Retries        uint64      // retries after a 429, a 5xx or a network error
	PausedUntil    time.Time   // end of a 429 pause in progress, zero if none
	CallbackPanics uint64      // panics recovered from OnDrop and OnError
	LastError      error       // the most recent delivery error

	SpooledEvents uint64 // events in the spool (also in Pending)
	SpooledBytes  int64  // bytes of those batches (MaxSpoolBytes bounds it)
	Replayed      uint64 // events an earlier process left in the spool
	SpoolError    error  // non-nil when the spool failed and events stay in memory
}

// String summarises the counters on one line.
func (s Stats) String() string {
	line := fmt.Sprintf("tracked=%d sent=%d unconfirmed=%d dropped=%d %v pending=%d queued=%d/%dB inflight=%d batches=%d retries=%d kept=%.4f budget=%s:%.2f/s",
		s.Tracked, s.Sent, s.Unconfirmed, s.Dropped, s.DroppedByReason, s.Pending, s.QueuedEvents, s.QueuedBytes,
		s.InFlight, s.Batches, s.Retries, s.KeptFraction, s.Budget.Name, s.Budget.Rate)
	if s.SpooledEvents > 0 || s.Replayed > 0 || s.SpoolError != nil { // spool.go
		line += fmt.Sprintf(" spooled=%d/%dB replayed=%d", s.SpooledEvents, s.SpooledBytes, s.Replayed)
		if s.SpoolError != nil {
			line += " spool_error=" + strconv.Quote(s.SpoolError.Error())
		}
	}
	return line
}

// DropReport tells OnDrop how many events were dropped for one reason
// since the previous report, with the last error behind them.
type DropReport struct {
	Reason string
	Count  uint64
	Err    error
}

// Stats returns a consistent snapshot, taking the emitter's locks.
func (e *Emitter) Stats() Stats {
	if e.nop {
		return Stats{KeptFraction: 1, Budget: BudgetState{Name: "nop"}}
	}
	for i := range e.shards {
		lockOutside(&e.shards[i].mu)
	}
	e.mu.Lock()
	e.collect()
	var st Stats
	var accepted, open uint64
	var credit int64
	for i := range e.shards {
		accepted += e.shards[i].accepted.Load()
		open += uint64(e.shards[i].open.n)
		credit += e.shards[i].credit
	}
	seen, sampled := e.samp.totals()
	invalid, closed, full := e.dropInvalid.Load(), e.dropClosed.Load(), e.droppedFull()
	st.DroppedByReason = make(map[string]uint64, len(e.q.dropped)+4)
	for k, v := range e.q.dropped {
		st.DroppedByReason[k] = v
	}
	st.Sent = e.q.sent
	st.Unconfirmed = e.life.unconfirmed
	st.QueuedEvents = open + e.q.queuedEvents
	st.QueuedBytes = e.queued.Load() - credit
	st.InFlight = len(e.q.inflight)
	st.InFlightEvents = e.q.inflightEvts
	st.Batches = e.q.batches
	st.Retries = e.q.retries
	st.LastError = e.q.lastErr
	queueDrops := e.q.dropTotal
	e.spoolStats(&st) // spool.go
	e.mu.Unlock()
	for i := range e.shards {
		e.shards[i].mu.Unlock()
	}
	for reason, n := range map[string]uint64{ReasonInvalid: invalid, ReasonSampled: sampled, ReasonClosed: closed, ReasonQueueFull: full} {
		if n > 0 {
			st.DroppedByReason[reason] += n
		}
	}
	st.Tracked = accepted + invalid + sampled + closed + full
	st.Dropped = queueDrops + invalid + sampled + closed + full
	st.Pending = st.QueuedEvents + st.InFlightEvents
	st.Budget = e.budget.State()
	st.PausedUntil = st.Budget.PausedUntil
	st.KeptFraction = 1
	if seen > 0 {
		st.KeptFraction = 1 - float64(sampled)/float64(seen)
	}
	st.CallbackPanics = e.notif.panics.Load()
	return st
}
