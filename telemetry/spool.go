package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
)

// The disk spool (Config.Spool). With it on, a spooler goroutine takes
// every sealed batch from the memory queue, encodes and signs it once,
// writes it to the Spool and releases its memory; the senders then deliver
// from the Spool, reading back the same bytes and signature, and remove a
// batch once the server accepted it or it was dropped for a counted reason.
// A batch cut short by Close's deadline stays in the Spool. On New, batches
// left by an earlier process are delivered first. Track is unchanged: all
// disk work is on the spooler's and the senders' goroutines.

// Spool is the durable store of the disk spool (Config.Spool); the
// telemetry/spool module provides one, in a module of its own so that
// programs without a spool do not compile its dependency. Scan visits the
// batches in Key order; Write stores put and deletes del atomically and
// durably; Read appends a batch's Data to dst; Dir is a directory the
// Spool owns, where the emitter keeps its arena on Linux. Implementations
// are safe for concurrent use. The emitter closes its Spool.
type Spool interface {
	Dir() string
	Scan(fn func(SpoolBatch) error) error
	Write(put, del []SpoolBatch) error
	Read(b SpoolBatch, dst []byte) ([]byte, error)
	Close() error
}

// SpoolBatch is one batch in a Spool: Key is unique and grows in write
// order, Events is kept apart from Data (opaque to the Spool) so that a
// damaged batch is still counted.
type SpoolBatch struct {
	Key    uint64
	Events int
	Data   []byte
}

const (
	// defaultMaxSpoolBytes: about 850,000 typical events, 17 minutes of
	// the whole org's ingest budget
	defaultMaxSpoolBytes = 256 << 20
	minSpoolBytes        = 1 << 20
	spoolGroupMax        = 32 // batches written in one transaction (one fsync)
)

// spoolEntry is one batch in the Spool.
type spoolEntry struct {
	SpoolBatch        // Data unused
	seq        uint64 // the emitter's batch sequence number (Flush)
	size       int64  // bytes of its Data
}

// spool is the emitter's spool state. Fields below "guarded" are guarded
// by Emitter.mu.
type spool struct {
	st      Spool
	max     int64
	nextKey uint64 // owned by the spooler goroutine (after New)

	rmFailed atomic.Bool // a removal failed (reported once)

	ready      chan struct{} // batches spooled (buffered 1): wakes the senders
	writerDone chan struct{} // closed when the spooler goroutine ends

	// guarded by Emitter.mu
	// A spooled batch being sent is represented in the memory queue's
	// in-flight set by a record-less batch (see nextSpooled), so that
	// Flush, Stats and account treat it like any batch in flight.
	waiting       fifo[*spoolEntry] // in order
	waitingEvents uint64
	events        uint64 // in the Spool: waiting and in flight
	bytes         int64
	replayed      uint64
	failed        error           // non-nil: the spool is unusable, batches stay in memory
	inSpool       map[uint64]bool // keys found at New (the arena's recovery)
}

// newSpool takes over set's Spool, if any, and reads what an earlier
// process left in it (attachSpool queues it).
func newSpool(set *settings) *spool {
	if set.spool == nil {
		return nil
	}
	sp := &spool{
		st:         set.spool,
		max:        set.maxSpoolBytes,
		nextKey:    1,
		ready:      make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		inSpool:    map[uint64]bool{},
	}
	return sp
}

// attachSpool queues the batches an earlier process left in the Spool,
// before any goroutine starts.
func (e *Emitter) attachSpool() {
	sp := e.sp
	if sp == nil {
		return
	}
	var dels []SpoolBatch
	var corrupt uint64
	err := sp.st.Scan(func(b SpoolBatch) error {
		sp.nextKey = max(sp.nextKey, b.Key+1)
		sp.replayed += uint64(b.Events)
		e.q.m.replayed.Add(uint64(b.Events))
		sp.inSpool[b.Key] = true
		if _, _, _, err := parseSpoolRecord(b.Data); err != nil {
			e.q.drop(ReasonSpoolCorrupt, uint64(b.Events), err)
			corrupt += uint64(b.Events)
			dels = append(dels, SpoolBatch{Key: b.Key, Events: b.Events})
			return nil
		}
		e.q.lastSeq++
		ent := &spoolEntry{SpoolBatch: SpoolBatch{Key: b.Key, Events: b.Events}, seq: e.q.lastSeq, size: int64(len(b.Data))}
		sp.push(ent)
		sp.events += uint64(b.Events)
		sp.bytes += ent.size
		return nil
	})
	if err != nil {
		sp.failed = fmt.Errorf("telemetry: spool %s unreadable, falling back to memory: %w", sp.st.Dir(), err)
		e.spoolError(sp.failed)
		return
	}
	if len(dels) > 0 {
		if err := sp.st.Write(nil, dels); err != nil {
			e.spoolError(fmt.Errorf("telemetry: spool: removing corrupt batches: %w", err))
		}
	}
	if corrupt > 0 {
		e.spoolError(fmt.Errorf("telemetry: spool: %d events in corrupt batches skipped (reason %s)", corrupt, ReasonSpoolCorrupt))
	}
	if sp.events > 0 {
		e.log.Info("telemetry: spool: delivering batches left by an earlier process",
			slog.String("dir", sp.st.Dir()), slog.Uint64("events", sp.events), slog.Int64("bytes", sp.bytes))
	}
}

// spoolError reports a spool problem at ERROR level (to slog.Default()
// when no Logger is configured) and to OnError.
func (e *Emitter) spoolError(err error) {
	e.logFatal("telemetry: spool", slog.String("error", err.Error()))
	e.mu.Lock()
	e.q.lastErr = err
	if len(e.q.pendErrs) < 16 {
		e.q.pendErrs = append(e.q.pendErrs, err)
	}
	e.mu.Unlock()
	e.signalNotify()
}

func (sp *spool) push(ent *spoolEntry) {
	sp.waiting.push(ent)
	sp.waitingEvents += uint64(ent.Events)
}

func (sp *spool) unshift(ent *spoolEntry) {
	sp.waiting.unshift(ent)
	sp.waitingEvents += uint64(ent.Events)
}

func (sp *spool) pop() *spoolEntry {
	ent, ok := sp.waiting.pop()
	if ok {
		sp.waitingEvents -= uint64(ent.Events)
	}
	return ent
}

func kickChan(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// oldestUnfinished is queue.oldestUnfinished including spooled batches.
// The caller holds e.mu.
func (e *Emitter) oldestUnfinished() uint64 {
	oldest := e.q.oldestUnfinished()
	if e.sp == nil {
		return oldest
	}
	if h := e.sp.waiting.front(); h != nil && (oldest == 0 || h.seq < oldest) {
		oldest = h.seq // the front has the smallest sequence of the waiting list
	}
	return oldest
}

// oldestInMemory is queue.oldestUnfinished without the stand-ins of
// spooled batches in flight (they have no records). The caller holds e.mu.
func (e *Emitter) oldestInMemory() uint64 {
	var oldest uint64
	if h := e.q.list.front(); h != nil {
		oldest = h.seq
	}
	for _, b := range e.q.inflight {
		if len(b.rec) > 0 && (oldest == 0 || b.seq < oldest) {
			oldest = b.seq
		}
	}
	return oldest
}

// spoolStats adds the spool's counters to st. The caller holds e.mu.
func (e *Emitter) spoolStats(st *Stats) {
	sp := e.sp
	if sp == nil {
		return
	}
	st.QueuedEvents += sp.waitingEvents // in-flight ones are in e.q.inflight
	st.SpooledEvents = sp.events
	st.SpooledBytes = sp.bytes
	st.Replayed = sp.replayed
	st.SpoolError = sp.failed
}

// closeSpool closes the Spool after the senders ended, logging what stays
// in it for the next process.
func (e *Emitter) closeSpool() {
	sp := e.sp
	if sp == nil {
		return
	}
	e.mu.Lock()
	events, bytes := sp.events, sp.bytes
	e.mu.Unlock()
	if events > 0 {
		e.log.Info("telemetry: spool: batches kept for the next process",
			slog.String("dir", sp.st.Dir()), slog.Uint64("events", events), slog.Int64("bytes", bytes))
	}
	e.closeArena() // arena.go
	if err := sp.st.Close(); err != nil {
		e.spoolError(fmt.Errorf("telemetry: spool: close: %w", err))
	}
}

// SyncSpool waits until every event tracked before the call is in the
// spool (or delivered, or dropped), or ctx ends: from then on a crash or a
// kill loses none of them. It returns ErrNoSpool without a spool.
func (e *Emitter) SyncSpool(ctx context.Context) error {
	if ctx == nil {
		return errNilContext("sync spool")
	}
	if e.sp == nil {
		return ErrNoSpool
	}
	if e.closed.Load() {
		return ErrClosed
	}
	target := e.sealAll()
	return e.waitFor(ctx, func() (bool, error) {
		if err := e.sp.failed; err != nil {
			return true, err
		}
		oldest := e.oldestInMemory()
		return oldest == 0 || oldest > target, nil
	})
}
