package telemetry

import (
	"time"
)

// Full batches. When the budget binds, requests are the scarce resource:
// every request that can carry BatchSize events must. Shards seal their
// batches independently, so partial ones reach the queue (each shard's
// remainder at every FlushInterval, batches cut by maxBatchBytes); the
// sender tops the batch it takes up with records moved from the batches
// queued behind it, at the moment the budget lets the request go. Nothing
// waits longer for it: only events already queued are moved.

// takeFull moves the oldest sealed batch in flight, topped up to batchSize
// events from the batches behind it (within maxBatchBytes). Events only
// move to an older batch, so Flush, which waits by sequence number, still
// sees every event it waits for finish. The caller holds Emitter.mu.
func (q *queue) takeFull(batchSize int) *batch {
	b := q.take()
	if b == nil || q.arena != nil { // arena.go: slots never grow (and the spool sends batches as sealed)
		return b
	}
	for b.n < batchSize && q.head != nil {
		nx := q.head
		off, k := 0, 0
		for k < batchSize-b.n && off < len(nx.rec) {
			l := recordLen(nx.rec[off:])
			if len(b.rec)+off+l > maxBatchBytes {
				break
			}
			off += l
			k++
		}
		if k == 0 {
			break
		}
		b.rec = append(b.rec, nx.rec[:off]...)
		b.n += k
		b.bytes += int64(off)
		q.inflightEvts += uint64(k)
		if k == nx.n {
			q.popHead()
			q.completed(nx)
			q.recycle(nx)
			continue
		}
		q.queuedEvents -= uint64(k)
		q.listBytes -= int64(off)
		nx.rec = nx.rec[:copy(nx.rec, nx.rec[off:])]
		nx.n -= k
		nx.bytes -= int64(off)
	}
	return b
}

// refusing reports whether the gate would drop a batch unsent at now (the
// key is refused and no probe is due), without starting a probe: the
// sender then takes the batch without asking the budget for a request.
func (g *keyGate) refusing(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failing && (g.probing || now.Before(g.nextProbe))
}
