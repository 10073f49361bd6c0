package telemetry

import (
	"fmt"
	"time"
)

// spooler moves sealed batches from memory to the spool until Close. When
// the spool fails it only forwards wake-ups: the senders then take batches
// from memory.
func (e *Emitter) spooler() {
	sp := e.sp
	defer e.senders.Done()
	defer close(sp.writerDone)
	buf := e.newSendBuffers()
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
			e.spoolGroup(group, buf)
			continue
		}
		if failed {
			kickChan(sp.ready)
		}
		if !e.idle(e.kick, e.draining, func() bool { return failed || e.q.list.len() == 0 }) {
			return
		}
	}
}

// idle waits for work: a kick on ready, or the end of the source done
// (then it collects what Track sealed and returns false if empty says
// there is nothing left), or the end of the emitter (false).
func (e *Emitter) idle(ready <-chan struct{}, done <-chan struct{}, empty func() bool) bool {
	select {
	case <-ready:
		return true
	case <-done:
		e.mu.Lock()
		e.collect()
		nothing := empty()
		e.mu.Unlock()
		return !nothing
	case <-e.sendCtx.Done():
		return false
	}
}

// spoolGroup writes batches taken from the memory queue to the spool in one
// transaction, applying MaxSpoolBytes and the Overflow policy.
func (e *Emitter) spoolGroup(group []*batch, buf *sendBuffers) {
	sp := e.sp
	recs := make([]SpoolBatch, len(group))
	for i, b := range group {
		body, sig := buf.encode(b.rec, nil)
		recs[i] = SpoolBatch{Key: sp.nextKey, Events: b.n, Data: appendSpoolRecord(nil, buf.keys.fp, body, sig)}
		b.spooling(sp.nextKey) // arena.go
		sp.nextKey++
	}

	// Plan under the lock: which batches fit, which spooled ones DropOldest
	// evicts. Counters change only once the transaction committed.
	e.mu.Lock()
	var evicted []*spoolEntry
	var dels []SpoolBatch
	keep := make([]int, 0, len(group))
	var reserved, evictedBytes int64
	for i, b := range group {
		size := int64(len(recs[i].Data))
		for sp.bytes-evictedBytes+reserved+size > sp.max && e.set.overflow == DropOldest && sp.waiting.len() > 0 {
			ent := sp.pop()
			evicted = append(evicted, ent)
			dels = append(dels, ent.SpoolBatch)
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

	writes := make([]SpoolBatch, 0, len(keep))
	for _, i := range keep {
		writes = append(writes, recs[i])
	}
	err := sp.st.Write(writes, dels)

	e.mu.Lock()
	if err != nil {
		sp.failed = fmt.Errorf("telemetry: spool %s: write failed, falling back to memory: %w", sp.st.Dir(), err)
		for k := len(evicted) - 1; k >= 0; k-- {
			sp.unshift(evicted[k])
		}
		for k := len(keep) - 1; k >= 0; k-- {
			b := group[keep[k]]
			e.q.finish(b)
			e.q.unshift(b)
		}
	} else {
		for _, ent := range evicted {
			sp.events -= uint64(ent.Events)
			sp.bytes -= ent.size
			e.q.drop(ReasonSpoolFull, uint64(ent.Events), nil)
		}
		for _, i := range keep {
			b := group[i]
			ent := &spoolEntry{SpoolBatch: SpoolBatch{Key: recs[i].Key, Events: b.n}, seq: b.seq, size: int64(len(recs[i].Data))}
			sp.push(ent)
			sp.events += uint64(b.n)
			sp.bytes += ent.size
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
			e.deliverSpooled(ent, b, buf)
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
		ent := sp.pop()
		var b *batch
		if ent != nil {
			b = e.q.newBatch() // stands for ent in the in-flight set
			b.n, b.seq = ent.Events, ent.seq
			e.q.inflight = append(e.q.inflight, b)
			e.q.inflightEvts += uint64(b.n)
			e.q.syncInflight()
		} else if sp.failed != nil {
			e.collect()
			b = e.q.take()
		}
		more := sp.waiting.len() > 0 || (sp.failed != nil && e.q.list.len() > 0)
		e.mu.Unlock()
		if b != nil {
			if more { // let the other sender help
				kickChan(sp.ready)
			}
			return ent, b
		}
		if !e.idle(sp.ready, sp.writerDone, func() bool {
			return sp.waiting.len() == 0 && (sp.failed == nil || e.q.list.len() == 0)
		}) {
			return nil, nil
		}
	}
}

// deliverSpooled sends a spooled batch with the bytes and signature read
// back from the spool, removes it unless Close's deadline cut it short, and
// accounts for it through b, its stand-in in the in-flight set.
func (e *Emitter) deliverSpooled(ent *spoolEntry, b *batch, buf *sendBuffers) {
	sp := e.sp
	out := e.sendSpooled(ent, b, buf)
	if out.reason == ReasonShutdown {
		e.mu.Lock()
		e.q.finish(b)
		e.q.recycle(b)
		sp.unshift(ent) // delivered by the next process
		e.mu.Unlock()
		return
	}
	rmErr := sp.st.Write(nil, []SpoolBatch{ent.SpoolBatch})
	e.mu.Lock()
	sp.events -= uint64(ent.Events)
	sp.bytes -= ent.size
	e.mu.Unlock()
	if rmErr != nil && !sp.rmFailed.Swap(true) { // reported once
		e.spoolError(fmt.Errorf("telemetry: spool: removing a finished batch failed, a restart will send it again: %w", rmErr))
	}
	e.account(b, out)
}

// sendSpooled reads, checks and sends a spooled batch. A batch signed
// under other keys (an earlier process's) is signed again with the
// current secret: its body, checked by the record's checksum, is sent
// unchanged.
func (e *Emitter) sendSpooled(ent *spoolEntry, b *batch, buf *sendBuffers) outcome {
	if err := e.sendCtx.Err(); err != nil {
		return outcome{reason: ReasonShutdown, err: err}
	}
	rec, err := e.sp.st.Read(ent.SpoolBatch, nil)
	if err != nil {
		return outcome{reason: ReasonSpoolCorrupt, err: err}
	}
	fp, body, sig, err := parseSpoolRecord(rec)
	if err != nil {
		return outcome{reason: ReasonSpoolCorrupt, err: err}
	}
	if buf.keys.refresh(buf.src); fp != buf.keys.fp {
		sig = buf.sign(body)
	}
	if e.send == nil { // benchmarks
		return outcome{accepted: ent.Events}
	}
	// as in deliver: a key the server refuses drops batches unsent
	send, probe, reason, err := e.life.keys.admit(time.Now())
	if !send {
		return outcome{reason: reason, err: err, quiet: true}
	}
	if probe {
		defer e.life.keys.probeDone()
	}
	return e.attempts(b, body, sig, buf)
}
