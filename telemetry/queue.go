package telemetry

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// batch is one request's worth of events, as records (the sender builds
// the JSON body once, in its own buffer). Batches are recycled through the
// queue's free list, so steady state allocates none. Track writes rec, n
// and bytes of its shard's open batch on every call: the padding keeps two
// batches off a shared cache line.
type batch struct {
	batchState
	_ [cacheLine - unsafe.Sizeof(batchState{})%cacheLine]byte
}

type batchState struct {
	next  *batch
	rec   []byte // records (see record.go)
	n     int    // events in rec
	bytes int64  // bytes accounted in Emitter.queued
	seq   uint64 // order of sealing, 0 while open
	paced bool   // in flight, its first attempt already waited on the budget
	body  *body  // the request body while a sender delivers it

	slot    *slotHeader // arena.go: rec lives in this arena slot; nil on the heap
	slotIdx int         // the slot's index in the arena
}

func (b *batch) reset() {
	b.next = nil
	b.rec = b.rec[:0]
	b.n, b.bytes, b.seq = 0, 0, 0
	b.paced = false
	b.clearSlot() // arena.go
}

// queue holds sealed batches in FIFO order, the batches being sent, the
// free list and the delivery counters. Every field is guarded by Emitter.mu
// except the atomic ones (the free list, listLen).
type queue struct {
	list         fifo[*batch] // sealed, oldest first
	mergeTail    *batch       // partial batches merged by sealAll, not yet sealed
	queuedEvents uint64       // events in the list and in mergeTail
	listLen      atomic.Int32 // batches in the list; read without the lock by the ticker
	listBytes    int64        // bytes of the batches in the list (evictable by DropOldest)
	lastSeq      uint64
	inflight     []*batch
	inflightEvts uint64

	// hand passes batches between Track and the emitter's goroutines
	hand     handoff
	recHint  atomic.Int64 // record bytes of the last full batch: sizes new batches
	arena    *arena       // arena.go: slots for records when the spool is on
	heap     bool         // records live on the heap (no arena): set before the goroutines start
	maxFree  int
	bodyCap  int
	progress chan struct{} // closed when a batch completes; nil if nobody waits

	sent, batches, retries uint64
	dropped                map[string]uint64
	dropTotal              uint64 // sum of dropped
	m                      meters // lock-free mirrors of the counters (Metrics)
	lastErr                error

	// reported to callbacks by the loop goroutine
	pendDrops map[string]*DropReport
	pendErrs  []error
}

func (q *queue) init(batchSize, shards int, maxQueueBytes int64) {
	q.bodyCap = 160 * batchSize
	// keep enough free batches to cover a typical backlog without
	// allocating, within the queue bound
	// (all batches together never exceed the bound plus the shards' open
	// ones, since one is allocated only when the free list is empty)
	q.maxFree = max(shards+8, int(maxQueueBytes/int64(q.bodyCap)))
	q.dropped = make(map[string]uint64)
	q.pendDrops = make(map[string]*DropReport)
	q.inflight = make([]*batch, 0, 4)
}

// handoff is where Track leaves the batches it seals and takes empty
// ones, so that Track never takes Emitter.mu, which the senders hold. Every
// side holds its lock for a few instructions; the emitter's own goroutines
// take it with lockOutside, so that Track never finds a waiter to wake.
type handoff struct {
	mu      sync.Mutex
	sealed  []*batch // sealed by Track, oldest first, not yet in the queue
	free    []*batch // empty batches, ready for Track
	sealedN uint64   // batches Track ever sealed (the ticker's rate estimate)
	spare   []*batch // collect's other sealed slice (guarded by Emitter.mu)
}

// newBatch returns an empty batch from the free list or a new one.
func (q *queue) newBatch() *batch {
	b := q.takeFree()
	if b == nil {
		b = q.alloc()
	}
	b.reset()
	return b
}

// takeFree returns a free batch, or nil when there is none.
func (q *queue) takeFree() *batch {
	h := &q.hand
	h.mu.Lock()
	defer h.mu.Unlock()
	return pop(&h.free)
}

func pop(l *[]*batch) *batch {
	n := len(*l)
	if n == 0 {
		return nil
	}
	b := (*l)[n-1]
	(*l)[n-1] = nil
	*l = (*l)[:n-1]
	return b
}

// alloc allocates a batch sized for a full batch like the last one, with
// an eighth to spare.
func (q *queue) alloc() *batch {
	if q.arena != nil {
		return q.arena.newBatch() // arena.go: a slot
	}
	c := int(q.recHint.Load())
	c += c / 8
	if c < 4<<10 {
		c = q.bodyCap
	}
	return &batch{batchState: batchState{rec: make([]byte, 0, c)}}
}

// recycle returns a finished batch to the free list. b may be reused by
// Track from then on.
func (q *queue) recycle(b *batch) {
	if !q.arena.recycle(b) || cap(b.rec) > 2*maxBatchBytes { // arena.go
		q.arena.put(b)
		return
	}
	b.next = nil
	h := &q.hand
	lockOutside(&h.mu)
	if len(h.free) < q.maxFree {
		h.free = append(h.free, b)
		b = nil
	}
	h.mu.Unlock()
	if b != nil { // the free list is full
		q.arena.put(b)
	}
}

// topUp keeps spare free batches ready for Track, so that sealing a batch
// never allocates on Track's goroutine while a backlog holds every batch
// (an allocation of a batch buffer there cost the caller microseconds,
// and the GC's assists more). The ticker calls it; with the arena, slots
// are taken from the arena instead.
func (q *queue) topUp(spares int) {
	if !q.heap {
		return
	}
	for {
		h := &q.hand
		lockOutside(&h.mu)
		n := len(h.free)
		h.mu.Unlock()
		if n >= spares {
			return
		}
		b := q.alloc()
		// touch the buffer's pages here: memory fresh from the OS faults
		// on its first write, which would be Track's
		clear(b.rec[:cap(b.rec)])
		lockOutside(&h.mu)
		h.free = append(h.free, b)
		h.mu.Unlock()
	}
}

// push seals b and appends it to the list.
func (q *queue) push(b *batch) {
	q.lastSeq++
	b.seq = q.lastSeq
	q.listed(b, +1)
	q.list.push(b)
}

// unshift puts b, taken from the list, back at its head.
func (q *queue) unshift(b *batch) {
	q.listed(b, +1)
	q.list.unshift(b)
}

// popHead removes the oldest sealed batch, or returns nil.
func (q *queue) popHead() *batch {
	b, ok := q.list.pop()
	if ok {
		q.listed(b, -1)
	}
	return b
}

// listed counts b in (+1) or out of (-1) the list.
func (q *queue) listed(b *batch, sign int) {
	q.listLen.Add(int32(sign))
	q.listBytes += int64(sign) * b.bytes
	if sign > 0 {
		q.queuedEvents += uint64(b.n)
	} else {
		q.queuedEvents -= uint64(b.n)
	}
}

// merge moves the events of a shard's open batch into mergeTail, sealing
// mergeTail first when they do not fit. open is left empty, or replaced
// when it becomes the new mergeTail (the caller must then use the returned
// batch as the shard's open batch).
func (q *queue) merge(open *batch, batchSize int) *batch {
	m := q.mergeTail
	if m != nil && m.n+open.n <= batchSize && len(m.rec)+len(open.rec) < maxBatchBytes &&
		(m.slot == nil || len(m.rec)+len(open.rec) <= cap(m.rec)) { // arena.go: a slot never grows
		m.rec = append(m.rec, open.rec...)
		m.n += open.n
		m.commit() // arena.go: before open's slot is cleared
		m.bytes += open.bytes
		q.queuedEvents += uint64(open.n)
		open.reset()
		return open
	}
	q.sealTail()
	q.mergeTail = open
	q.queuedEvents += uint64(open.n)
	return q.newBatch()
}

// sealTail pushes mergeTail, if any.
func (q *queue) sealTail() {
	if m := q.mergeTail; m != nil {
		q.mergeTail = nil
		q.queuedEvents -= uint64(m.n) // push counts it again
		q.push(m)
	}
}

// take moves the oldest sealed batch in flight.
func (q *queue) take() *batch {
	b := q.popHead()
	if b != nil {
		q.inflight = append(q.inflight, b)
		q.inflightEvts += uint64(b.n)
		q.syncInflight()
	}
	return b
}

// finish removes b from the in-flight set.
func (q *queue) finish(b *batch) {
	for i, x := range q.inflight {
		if x == b {
			q.inflight = append(q.inflight[:i], q.inflight[i+1:]...)
			break
		}
	}
	q.inflightEvts -= uint64(b.n)
	q.syncInflight()
	q.completed(b)
}

// syncInflight mirrors the in-flight gauges for Metrics. The caller holds
// Emitter.mu.
func (q *queue) syncInflight() {
	q.m.inflight.Store(int64(len(q.inflight)))
	q.m.inflightEvents.Store(q.inflightEvts)
}

// completed wakes Flush waiters.
func (q *queue) completed(*batch) {
	if q.progress != nil {
		close(q.progress)
		q.progress = nil
	}
}

// waitChan returns a channel closed at the next completion.
func (q *queue) waitChan() chan struct{} {
	if q.progress == nil {
		q.progress = make(chan struct{})
	}
	return q.progress
}

// oldestUnfinished returns the smallest sequence number of a sealed batch
// not yet delivered or dropped, or 0 when there is none.
func (q *queue) oldestUnfinished() uint64 {
	var min uint64
	if h := q.list.front(); h != nil {
		min = h.seq
	}
	for _, b := range q.inflight {
		if min == 0 || b.seq < min {
			min = b.seq
		}
	}
	return min
}

// drop counts n events dropped for reason and queues a report.
func (q *queue) drop(reason string, n uint64, err error) {
	if n == 0 {
		return
	}
	q.dropped[reason] += n
	q.dropTotal += n
	q.m.dropped[reasonIndex(reason)].Add(n)
	r := q.pendDrops[reason]
	if r == nil {
		r = &DropReport{Reason: reason}
		q.pendDrops[reason] = r
	}
	r.Count += n
	if err != nil {
		r.Err = err
	}
}

// takeFull moves the oldest sealed batch in flight, topped up to batchSize
// events from the batches behind it (within maxBatchBytes). Events only
// move to an older batch, so Flush, which waits by sequence number, still
// sees every event it waits for finish. The caller holds Emitter.mu.
func (q *queue) takeFull(batchSize int) *batch {
	b := q.take()
	if b == nil || q.arena != nil { // arena.go: slots never grow (and the spool sends batches as sealed)
		return b
	}
	for b.n < batchSize && q.list.len() > 0 {
		nx := q.list.front()
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
		q.syncInflight()
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
