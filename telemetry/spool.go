package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pecta-ai/pecta-go/internal/hmacsig"
)

// The disk spool (Config.SpoolDir). With it on, a spooler goroutine takes
// every sealed batch from the memory queue, encodes and signs it once,
// writes it to the spool file (spool_store.go) and releases its memory; the
// senders then deliver from the spool, reading back the same bytes and
// signature, and remove a batch once the server accepted it or it was
// dropped for a counted reason. A batch cut short by Close's deadline stays
// in the spool. On New, batches left by an earlier process are delivered
// first. Track is unchanged: all disk work is on the spooler's and the
// senders' goroutines.

// DefaultMaxSpoolBytes bounds the spool when Config.MaxSpoolBytes is zero:
// about 850,000 typical events, 17 minutes of the whole org's ingest budget.
const DefaultMaxSpoolBytes = 256 << 20

const (
	minSpoolBytes = 1 << 20
	spoolGroupMax = 32 // batches written in one transaction (one fsync)
)

// Drop reasons of the spool, as used in Stats.DroppedByReason.
const (
	ReasonSpoolFull       = "spool_full"        // MaxSpoolBytes reached (either Overflow policy)
	ReasonSpoolCorrupt    = "spool_corrupt"     // a spooled batch failed its length or checksum check
	ReasonSpoolKeyChanged = "spool_key_changed" // spooled under other keys than this emitter's
)

// ErrNoSpool is returned by SyncSpool on an emitter without a spool.
var ErrNoSpool = errors.New("telemetry: no spool configured")

// spoolSettings is the validated spool part of a Config.
type spoolSettings struct {
	dir      string
	maxBytes int64
	noSync   bool
	open     *spool // opened by New
}

func (c *Config) spoolSettings() (spoolSettings, error) {
	s := spoolSettings{dir: c.SpoolDir, noSync: c.SpoolNoSync}
	switch {
	case c.MaxSpoolBytes == 0:
		s.maxBytes = DefaultMaxSpoolBytes
	case c.MaxSpoolBytes < minSpoolBytes:
		return s, &ConfigError{Field: "MaxSpoolBytes", Reason: "must be at least 1 MiB"}
	default:
		s.maxBytes = c.MaxSpoolBytes
	}
	return s, nil
}

// spoolEntry is one batch in the spool file.
type spoolEntry struct {
	next *spoolEntry
	key  []byte
	seq  uint64 // the emitter's batch sequence number (Flush)
	n    int
	size int64
}

// spool is the emitter's spool state. Fields below "guarded" are guarded
// by Emitter.mu.
type spool struct {
	st      *spoolStore // nil when the directory could not be opened
	dir     string
	fp      [16]byte
	max     int64
	nextKey uint64 // owned by the spooler goroutine (after New)
	recs    []spooledRecord
	aside   string

	rmFailed atomic.Bool // a removal failed (reported once)

	ready      chan struct{} // batches spooled (buffered 1): wakes the senders
	writerDone chan struct{} // closed when the spooler goroutine ends

	// guarded by Emitter.mu
	// A spooled batch being sent is represented in the memory queue's
	// in-flight set by a record-less batch (see nextSpooled), so that
	// Flush, Stats and account treat it like any batch in flight.
	head, tail    *spoolEntry // waiting to be sent, in order
	waitingEvents uint64
	events        uint64 // on disk: waiting and in flight
	bytes         int64
	replayed      uint64
	failed        error // non-nil: the spool is unusable, batches stay in memory
}

// openSpool opens set's spool directory, if any. The only error is
// ErrSpoolLocked: a directory that cannot be used makes the emitter fall
// back to memory, and say so.
func openSpool(set *settings) error {
	ss := &set.spool
	if ss.dir == "" {
		return nil
	}
	sp := &spool{
		dir:        ss.dir,
		fp:         spoolFingerprint(set.pk.reveal(), set.sk.reveal()),
		max:        ss.maxBytes,
		nextKey:    1,
		ready:      make(chan struct{}, 1),
		writerDone: make(chan struct{}),
	}
	ss.open = sp
	st, aside, err := openSpoolStore(ss.dir, ss.noSync)
	if errors.Is(err, ErrSpoolLocked) {
		return err
	}
	if err != nil {
		sp.failed = fmt.Errorf("telemetry: spool %s unusable, falling back to memory: %w", ss.dir, err)
		return nil
	}
	recs, badKeys, err := st.scan(sp.fp)
	if err == nil && badKeys > 0 {
		err = st.deleteBadKeys()
	}
	if err != nil {
		st.close()
		sp.failed = fmt.Errorf("telemetry: spool %s unreadable, falling back to memory: %w", ss.dir, err)
		return nil
	}
	sp.st, sp.recs, sp.aside = st, recs, aside
	return nil
}

// attachSpool takes over the spool opened by New and queues the batches an
// earlier process left, before any goroutine starts.
func (e *Emitter) attachSpool() {
	sp := e.set.spool.open
	if sp == nil {
		return
	}
	e.sp = sp
	if sp.aside != "" {
		e.spoolError(fmt.Errorf("telemetry: spool file %s was unreadable and was moved aside as %s; its batches are not delivered",
			sp.st.path, sp.aside))
	}
	if sp.failed != nil {
		e.spoolError(sp.failed)
		return
	}
	var dels [][]byte
	var corrupt, changed uint64
	for _, r := range sp.recs {
		sp.nextKey = max(sp.nextKey, r.seq+1)
		sp.replayed += uint64(r.events)
		if r.err != nil {
			reason := ReasonSpoolCorrupt
			if r.err == errSpoolKeyChanged {
				reason = ReasonSpoolKeyChanged
				changed += uint64(r.events)
			} else {
				corrupt += uint64(r.events)
			}
			e.q.drop(reason, uint64(r.events), r.err)
			dels = append(dels, spoolKey(r.seq, r.events))
			continue
		}
		e.q.lastSeq++
		sp.push(&spoolEntry{key: spoolKey(r.seq, r.events), seq: e.q.lastSeq, n: r.events, size: r.size})
		sp.events += uint64(r.events)
		sp.bytes += r.size
	}
	sp.recs = nil
	if len(dels) > 0 {
		if err := sp.st.remove(dels...); err != nil {
			e.spoolError(fmt.Errorf("telemetry: spool: removing unusable batches: %w", err))
		}
	}
	if corrupt > 0 {
		e.spoolError(fmt.Errorf("telemetry: spool: %d events in corrupt batches skipped (reason %s)", corrupt, ReasonSpoolCorrupt))
	}
	if changed > 0 {
		// Re-signing would make the new key vouch for bytes nobody can
		// verify any more; they are dropped, counted and reported instead.
		e.spoolError(fmt.Errorf("telemetry: spool: %d events were spooled under other keys and are dropped (reason %s)",
			changed, ReasonSpoolKeyChanged))
	}
	if sp.events > 0 {
		e.log.Info("telemetry: spool: delivering batches left by an earlier process",
			slog.String("dir", sp.dir), slog.Uint64("events", sp.events), slog.Int64("bytes", sp.bytes))
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
	ent.next = nil
	if sp.tail == nil {
		sp.head = ent
	} else {
		sp.tail.next = ent
	}
	sp.tail = ent
	sp.waitingEvents += uint64(ent.n)
}

func (sp *spool) unshift(ent *spoolEntry) {
	ent.next = sp.head
	sp.head = ent
	if sp.tail == nil {
		sp.tail = ent
	}
	sp.waitingEvents += uint64(ent.n)
}

func (sp *spool) popHead() *spoolEntry {
	ent := sp.head
	if ent == nil {
		return nil
	}
	sp.head = ent.next
	if sp.head == nil {
		sp.tail = nil
	}
	ent.next = nil
	sp.waitingEvents -= uint64(ent.n)
	return ent
}

func kickChan(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// unshiftBatch puts a batch the spooler could not write back at the head
// of the memory queue.
func (q *queue) unshiftBatch(b *batch) {
	b.next = q.head
	q.head = b
	if q.tail == nil {
		q.tail = b
	}
	q.listLen.Add(1)
	q.queuedEvents += uint64(b.n)
	q.listBytes += b.bytes
}

// spooler moves sealed batches from memory to the spool until Close. When
// the spool fails it only forwards wake-ups: the senders then take batches
// from memory.
func (e *Emitter) spooler() {
	sp := e.sp
	defer e.senders.Done()
	defer close(sp.writerDone)
	buf := sendBuffers{bodyCap: initialBodyCap}
	if !e.set.sk.IsZero() {
		buf.signer = hmacsig.NewSigner(e.set.sk.reveal())
	}
	group := make([]*batch, 0, spoolGroupMax)
	for {
		if e.sendCtx.Err() != nil {
			return
		}
		group = group[:0]
		e.mu.Lock()
		e.collect() // batches Track sealed (emitter.go)
		failed := sp.failed != nil
		for !failed && len(group) < spoolGroupMax {
			b := e.q.take()
			if b == nil {
				break
			}
			group = append(group, b)
		}
		e.mu.Unlock()
		if len(group) > 0 {
			e.spoolGroup(group, &buf)
			continue
		}
		if failed {
			kickChan(sp.ready)
		}
		select {
		case <-e.kick:
		case <-e.draining:
			e.mu.Lock()
			e.collect()
			empty := e.q.head == nil
			e.mu.Unlock()
			if empty || failed {
				return
			}
		case <-e.sendCtx.Done():
			return
		}
	}
}

// spoolGroup writes batches taken from the memory queue to the spool in one
// transaction, applying MaxSpoolBytes and the Overflow policy.
func (e *Emitter) spoolGroup(group []*batch, buf *sendBuffers) {
	sp := e.sp
	recs := make([]spoolWrite, len(group))
	for i, b := range group {
		body := make([]byte, 0, buf.bodyCap)
		body = append(body, `{"events":[`...)
		body = buf.enc.appendJSON(body, b.rec)
		body = append(body, "]}"...)
		buf.bodyCap = max(initialBodyCap, len(body)+len(body)/8)
		sig := ""
		if buf.signer != nil {
			buf.sig = buf.signer.AppendSign(buf.sig[:0], body)
			sig = string(buf.sig)
		}
		recs[i] = spoolWrite{key: spoolKey(sp.nextKey, b.n), val: appendSpoolRecord(nil, sp.fp, body, sig)}
		b.spooling(sp.nextKey) // arena.go
		sp.nextKey++
	}

	// Plan under the lock: which batches fit, which spooled ones DropOldest
	// evicts. Counters change only once the transaction committed.
	e.mu.Lock()
	var evicted []*spoolEntry
	var dels [][]byte
	keep := make([]int, 0, len(group))
	var reserved, evictedBytes int64
	for i, b := range group {
		size := int64(len(recs[i].val))
		for sp.bytes-evictedBytes+reserved+size > sp.max && e.set.overflow == DropOldest && sp.head != nil {
			ent := sp.popHead()
			evicted = append(evicted, ent)
			dels = append(dels, ent.key)
			evictedBytes += ent.size
		}
		if sp.bytes-evictedBytes+reserved+size > sp.max {
			e.queued.Add(-b.bytes)
			e.q.finish(b)
			e.q.drop(ReasonSpoolFull, uint64(b.n), nil)
			e.q.recycle(b)
			group[i] = nil
			continue
		}
		reserved += size
		keep = append(keep, i)
	}
	e.mu.Unlock()

	writes := make([]spoolWrite, 0, len(keep))
	for _, i := range keep {
		writes = append(writes, recs[i])
	}
	err := sp.st.write(writes, dels)

	e.mu.Lock()
	if err != nil {
		sp.failed = fmt.Errorf("telemetry: spool %s: write failed, falling back to memory: %w", sp.dir, err)
		for k := len(evicted) - 1; k >= 0; k-- {
			sp.unshift(evicted[k])
		}
		for k := len(keep) - 1; k >= 0; k-- {
			b := group[keep[k]]
			e.q.finish(b)
			e.q.unshiftBatch(b)
		}
	} else {
		for _, ent := range evicted {
			sp.events -= uint64(ent.n)
			sp.bytes -= ent.size
			e.q.drop(ReasonSpoolFull, uint64(ent.n), nil)
		}
		for _, i := range keep {
			b := group[i]
			size := int64(len(recs[i].val))
			sp.push(&spoolEntry{key: recs[i].key, seq: b.seq, n: b.n, size: size})
			sp.events += uint64(b.n)
			sp.bytes += size
			e.queued.Add(-b.bytes)
			e.q.finish(b)
			e.q.recycle(b)
		}
	}
	failed := sp.failed
	e.mu.Unlock()
	if err != nil {
		e.spoolError(failed)
	} else if len(evicted) > 0 || len(keep) < len(group) {
		e.signalNotify()
	}
	kickChan(sp.ready)
}

// spoolSender is sender for an emitter with a spool: it delivers spooled
// batches, and memory batches once the spool failed.
func (e *Emitter) spoolSender(buf *sendBuffers) {
	for {
		ent, b := e.nextSpooled()
		switch {
		case ent != nil:
			e.deliverSpooled(ent, b)
		case b != nil:
			e.deliver(b, buf)
		default:
			return
		}
	}
}

// nextSpooled waits for a spooled batch (or, once the spool failed, a
// memory batch) and moves it in flight. Both are nil when the emitter is
// draining and nothing is left, or aborted.
func (e *Emitter) nextSpooled() (*spoolEntry, *batch) {
	sp := e.sp
	for {
		if e.sendCtx.Err() != nil {
			return nil, nil
		}
		e.mu.Lock()
		ent := sp.popHead()
		var b *batch
		if ent != nil {
			b = e.q.newBatch() // stands for ent in the in-flight set
			b.n, b.seq = ent.n, ent.seq
			e.q.inflight = append(e.q.inflight, b)
			e.q.inflightEvts += uint64(b.n)
		} else if sp.failed != nil {
			e.collect()
			b = e.q.take()
		}
		more := sp.head != nil || (sp.failed != nil && e.q.head != nil)
		e.mu.Unlock()
		if b != nil {
			if more { // let the other sender help
				kickChan(sp.ready)
			}
			return ent, b
		}
		select {
		case <-sp.ready:
		case <-sp.writerDone:
			e.mu.Lock()
			e.collect()
			empty := sp.head == nil && (sp.failed == nil || e.q.head == nil)
			e.mu.Unlock()
			if empty {
				return nil, nil
			}
		case <-e.sendCtx.Done():
			return nil, nil
		}
	}
}

// deliverSpooled sends a spooled batch with the bytes and signature read
// back from the spool, removes it unless Close's deadline cut it short, and
// accounts for it through b, its stand-in in the in-flight set.
func (e *Emitter) deliverSpooled(ent *spoolEntry, b *batch) {
	sp := e.sp
	out := e.sendSpooled(ent, b)
	if out.reason == ReasonShutdown {
		e.mu.Lock()
		e.q.finish(b)
		e.q.recycle(b)
		sp.unshift(ent) // delivered by the next process
		e.mu.Unlock()
		return
	}
	rmErr := sp.st.remove(ent.key)
	e.mu.Lock()
	sp.events -= uint64(ent.n)
	sp.bytes -= ent.size
	e.mu.Unlock()
	if rmErr != nil && !sp.rmFailed.Swap(true) { // reported once
		e.spoolError(fmt.Errorf("telemetry: spool: removing a finished batch failed, a restart will send it again: %w", rmErr))
	}
	e.account(b, out)
}

// sendSpooled reads, checks and sends a spooled batch.
func (e *Emitter) sendSpooled(ent *spoolEntry, b *batch) outcome {
	if err := e.sendCtx.Err(); err != nil {
		return outcome{reason: ReasonShutdown, err: err}
	}
	rec, err := e.sp.st.read(ent.key, nil)
	if err != nil {
		return outcome{reason: ReasonSpoolCorrupt, err: err}
	}
	fp, body, sig, err := parseSpoolRecord(rec)
	switch {
	case err != nil:
		return outcome{reason: ReasonSpoolCorrupt, err: err}
	case fp != e.sp.fp:
		return outcome{reason: ReasonSpoolKeyChanged, err: errSpoolKeyChanged}
	case e.send == nil: // benchmarks
		return outcome{accepted: ent.n}
	}
	// as in deliver: a key the server refuses drops batches unsent
	send, probe, reason, err := e.life.keys.admit(time.Now())
	if !send {
		return outcome{reason: reason, err: err, quiet: true}
	}
	if probe {
		defer e.life.keys.probeDone()
	}
	return e.attempts(b, body, sig)
}

// oldestUnfinished is queue.oldestUnfinished including spooled batches.
// The caller holds e.mu.
func (e *Emitter) oldestUnfinished() uint64 {
	oldest := e.q.oldestUnfinished()
	if e.sp == nil {
		return oldest
	}
	if h := e.sp.head; h != nil && (oldest == 0 || h.seq < oldest) {
		oldest = h.seq // the head has the smallest sequence of the waiting list
	}
	return oldest
}

// oldestInMemory is queue.oldestUnfinished without the stand-ins of
// spooled batches in flight (they have no records). The caller holds e.mu.
func (e *Emitter) oldestInMemory() uint64 {
	var oldest uint64
	if e.q.head != nil {
		oldest = e.q.head.seq
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

// closeSpool closes the spool file after the senders ended, logging what
// stays in it for the next process.
func (e *Emitter) closeSpool() {
	sp := e.sp
	if sp == nil || sp.st == nil {
		return
	}
	e.mu.Lock()
	events, bytes := sp.events, sp.bytes
	e.mu.Unlock()
	if events > 0 {
		e.log.Info("telemetry: spool: batches kept for the next process",
			slog.String("dir", sp.dir), slog.Uint64("events", events), slog.Int64("bytes", bytes))
	}
	e.closeArena() // arena.go
	if err := sp.st.close(); err != nil {
		e.spoolError(fmt.Errorf("telemetry: spool: close: %w", err))
	}
}

// SyncSpool seals every partial batch and waits until every event tracked
// before the call is written to the spool (or was delivered or dropped), or
// ctx ends. From then on a crash or SIGKILL of the process loses none of
// them: the next emitter on the same SpoolDir delivers them. With the
// default fsync policy a power loss loses none either; with SpoolNoSync it
// may. A producer reading from a durable source (a log, a message queue)
// can commit its read position after SyncSpool returns nil.
//
// It returns ErrNoSpool without a spool, ErrClosed after Close, and an
// error wrapping the cause when the spool is unusable (the emitter then
// keeps events in memory; see Stats.SpoolError).
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
	closing := false
	for {
		e.mu.Lock()
		if err := e.sp.failed; err != nil {
			e.mu.Unlock()
			return err
		}
		oldest := e.oldestInMemory()
		if oldest == 0 || oldest > target {
			e.mu.Unlock()
			return nil
		}
		if closing { // a concurrent Close finished: nothing more will be spooled
			e.mu.Unlock()
			return ErrClosed
		}
		ch := e.q.waitChan()
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-e.life.closeDone:
			closing = true // look once more, then give up
		}
	}
}
