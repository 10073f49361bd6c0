package telemetry

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Track writes into shards, one buffer per few goroutines; this file holds
// what a shard does when its batch fills, its credit runs out or the queue
// is sealed.

// shard is one of the buffers Track encodes into, padded to its own cache
// lines. There are at least as many as GOMAXPROCS; goroutineHint spreads
// the goroutines over them.
type shard struct {
	_ [cacheLine]byte
	shardState
	_ [cacheLine - unsafe.Sizeof(shardState{})%cacheLine]byte
}

type shardState struct {
	mu       sync.Mutex
	open     *batch        // batch being filled
	accepted atomic.Uint64 // events ever accepted into this shard (written under mu)
	credit   int64         // queue bytes reserved by this shard and not yet used
	full     atomic.Uint64
}

// cacheLine is the padding unit: two 64-byte lines, since the adjacent-line
// prefetcher of x86 cores pulls lines in pairs.
const cacheLine = 128

// reserve adds to shard s's credit so that it covers size bytes, taking
// a chunk more from the shared counter when there is room, so that most
// calls to Track touch only their shard. A full queue costs one load
// (DropNewest: no read-modify-write on the shared line). It applies the
// overflow policy when the bound is reached and reports whether the bytes
// were reserved. The caller holds s.mu.
func (e *Emitter) reserve(s *shard, size int64) bool {
	need := size - s.credit
	limit := e.set.maxQueueBytes
	if q := e.queued.Load(); q+need <= limit {
		take := need
		if q+need+e.chunk <= limit {
			take += e.chunk
		}
		if e.queued.Add(take) <= limit {
			s.credit += take
			return true
		}
		e.queued.Add(-take)
	}
	if e.set.overflow != DropOldest {
		return false
	}
	e.queued.Add(need)
	if e.queued.Load() <= limit || e.makeRoom() {
		s.credit += need
		return true
	}
	e.queued.Add(-need)
	return false
}

// makeRoom applies DropOldest when the byte bound is exceeded: it discards
// the oldest sealed batches not in flight until the queue fits again. It
// reports whether the bound now holds. The caller holds a shard lock.
func (e *Emitter) makeRoom() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.collect()
	if e.queued.Load()-e.q.listBytes > e.set.maxQueueBytes {
		// evicting every queued batch would still not make room (the rest
		// is in flight or in open batches): drop only the new event
		return false
	}
	for e.queued.Load() > e.set.maxQueueBytes {
		b := e.q.popHead()
		if b == nil {
			return false
		}
		e.dropListed(b, ReasonQueueFull, nil)
	}
	e.notifyReq.Store(true) // the ticker wakes the loop: Track does not
	return true
}

// dropListed drops b, taken from the queue's list, counting its events
// under reason. The caller holds e.mu.
func (e *Emitter) dropListed(b *batch, reason string, err error) {
	e.queued.Add(-b.bytes)
	e.q.drop(reason, uint64(b.n), err)
	e.q.completed(b)
	e.q.recycle(b)
}

// seal hands shard s's open batch to the senders and gives s a fresh one.
// It takes no lock but s.mu (held by the caller) and the handoff's, and
// wakes nobody: the senders collect sealed batches after every batch, and
// the ticker every millisecond.
func (e *Emitter) seal(s *shard) {
	b := s.open
	if b.n >= e.set.batchSize && int64(len(b.rec)) != e.q.recHint.Load() {
		e.q.recHint.Store(int64(len(b.rec)))
	}
	h := &e.q.hand
	h.mu.Lock()
	h.sealed = append(h.sealed, b)
	h.sealedN++
	nb := pop(&h.free)
	h.mu.Unlock()
	if nb == nil {
		nb = e.q.alloc() // the ticker's spares ran out
	}
	nb.reset()
	s.open = nb
}

// collect moves the batches sealed by Track to the queue, oldest first.
// The caller holds e.mu.
func (e *Emitter) collect() {
	h := &e.q.hand
	lockOutside(&h.mu)
	sealed := h.sealed
	h.sealed = h.spare[:0]
	h.mu.Unlock()
	for _, b := range sealed {
		e.q.push(b)
	}
	clear(sealed)
	h.spare = sealed[:0]
}

// sealedWaiting reports whether Track has sealed batches that are not yet
// in the queue, and how many it ever sealed.
func (e *Emitter) sealedWaiting() (waiting bool, total uint64) {
	h := &e.q.hand
	lockOutside(&h.mu)
	defer h.mu.Unlock()
	return len(h.sealed) > 0, h.sealedN
}

// sealAll seals every non-empty shard, merging partial batches so that
// small ones do not each cost a request. It returns the sequence number of
// the last batch queued.
func (e *Emitter) sealAll() uint64 {
	e.sealMu.Lock()
	defer e.sealMu.Unlock()
	e.mu.Lock()
	e.collect() // batches Track sealed before keep their order
	e.mu.Unlock()
	for i := range e.shards {
		s := &e.shards[i]
		lockOutside(&s.mu)
		if s.open.n > 0 {
			e.mu.Lock()
			s.open = e.q.merge(s.open, e.set.batchSize)
			e.mu.Unlock()
		}
		s.mu.Unlock()
	}
	e.mu.Lock()
	e.collect()
	e.q.sealTail()
	last := e.q.lastSeq
	e.mu.Unlock()
	select {
	case e.kick <- struct{}{}:
	default:
	}
	return last
}

// lockOutside locks mu, a lock Track takes too (a shard's, the
// handoff's), for another goroutine, without ever queueing on the mutex: a
// Track unlocking mu then never finds a waiter to wake (a futex call on the
// Track caller's goroutine). Track holds these locks for tens of
// nanoseconds.
func lockOutside(mu *sync.Mutex) {
	for !mu.TryLock() {
		runtime.Gosched()
	}
}

// droppedFull returns the events refused by a full queue in Track.
func (e *Emitter) droppedFull() uint64 {
	var n uint64
	for i := range e.shards {
		n += e.shards[i].full.Load()
	}
	return n
}
