package telemetry

import (
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The arena: with the spool on, the records of the batches still in memory
// (the shards' open batches, and sealed batches the spooler has not yet
// written) live in a file mapped with MAP_SHARED (arena.mmap in Spool.Dir())
// instead of the Go heap. A store into such a mapping is in the kernel's
// page cache as soon as the CPU executed it, and the page cache outlives
// the process: a SIGKILL, a panic or an OOM kill at any instant loses no
// event Track has returned nil for. The next emitter on the directory
// re-queues those records before anything else (Stats.Replayed). A power
// loss or kernel crash can lose them (the kernel writes the pages back
// lazily, the arena is never fsynced): the Spool, which makes each write durable,
// covers that for batches already spooled.
//
// The commit protocol rests on sync/atomic. Each slot's header holds a
// commit word (record bytes<<32 | event count). Track writes a record with
// ordinary stores and then publishes it with an atomic store of the commit
// word; recovery reads the word with an atomic load and only then the
// records it covers. The Go memory model makes every write that precedes an
// atomic store visible to a reader whose atomic load observes that store
// (sync/atomic operations are sequentially consistent), so a reader never
// sees a committed word before the bytes it covers. The reader here is the
// next process, through the same page-cache memory: a process killed in the
// middle of copying a record leaves the word at the previous record's end,
// and the torn record is never read. This is tested by killing writers at
// random instants (TestSpoolSurvivesSIGKILL) and with torn and corrupt
// slots written by hand (arena_test.go). The records are also checked
// structurally on recovery; a slot that fails is counted under
// ReasonSpoolCorrupt.
//
// A slot is never grown: Track seals a batch before a record would not fit
// (the largest valid record, maxRecordBytes, always fits an empty slot).
// Before the spooler writes a batch to the Spool it stores its key in the
// slot's header; after the commit it frees the slot (zeroes its commit
// word). A process killed between the two leaves a slot whose key is in
// the Spool: recovery skips it, so that window makes no duplicates.
//
// The slots are part of the queue bound: with every slot taken, Track
// applies the Overflow policy (roomInSlot). Close's deadline leaves the
// batches the spooler has not written committed in their slots, for the
// next process.
//
// The arena is Linux-only (arena_linux.go): the file is preallocated with
// fallocate so that a full disk can never turn a store into SIGBUS.
// Elsewhere the spool works without it and SyncSpool is the way to make
// tracked events durable.

const (
	arenaFile       = "arena.mmap"
	arenaMagic      = "PECTAAR2" // 2: strings after the fixed fields (record.go)
	arenaHeaderSize = 4096       // file header: magic | slot size u32 | slots u32
	slotSize        = 144 << 10  // one batch's records and its header: the largest valid record fits
	slotHeaderSize  = 64
	slotDataSize    = slotSize - slotHeaderSize
	maxArenaSlots   = 1024 // for MaxQueueBytes: 144 MiB of file, plus the shards' and the spooler's slots
)

// a valid event always fits an empty slot
var _ [slotDataSize - maxRecordBytes]byte

// slotHeader is the start of a slot in the mapping.
type slotHeader struct {
	commit   atomic.Uint64 // records committed: bytes<<32 | events (0: free)
	gen      atomic.Uint64 // order of allocation (recovery re-queues oldest first)
	spoolKey atomic.Uint64 // spool key the spooler is writing this batch under (0: none)
}

// arenaOff, set by benchmarks, opens spools without an arena.
var arenaOff bool

// arenaGen orders slot allocations across the process.
var arenaGen atomic.Uint64

// commit publishes b's records to its slot's commit word: once it is
// stored, the records survive a kill of the process. Heap batches have no
// slot.
func (b *batch) commit() {
	if h := b.slot; h != nil {
		h.commit.Store(uint64(len(b.rec))<<32 | uint64(uint32(b.n)))
	}
}

// clearSlot marks b's slot empty (b was reset for new events). A starved
// batch (capacity 0) has no slot of its own: nothing is written.
func (b *batch) clearSlot() {
	if h := b.slot; h != nil && cap(b.rec) > 0 {
		h.commit.Store(0)
		h.spoolKey.Store(0)
		h.gen.Store(arenaGen.Add(1))
	}
}

// spooling records in b's slot the Spool key it is about to be written
// under (see the type comment).
func (b *batch) spooling(key uint64) {
	if h := b.slot; h != nil {
		h.spoolKey.Store(key)
	}
}

// released frees b's slot: b was spooled, delivered or dropped, and a
// restart must not send it again.
func (b *batch) released() {
	if h := b.slot; h != nil && cap(b.rec) > 0 {
		h.commit.Store(0)
		h.spoolKey.Store(0)
	}
}

// arena is the mapped file and its free slots.
type arena struct {
	mem    []byte
	f      *os.File
	nslots int

	mu      sync.Mutex
	free    []int32    // stack of free slots
	none    slotHeader // the "slot" of starved batches (see newBatch): never written
	starved atomic.Uint64
	warn    atomic.Bool
	log     *slog.Logger
}

func (a *arena) slot(i int) *slotHeader {
	return (*slotHeader)(unsafe.Pointer(&a.mem[arenaHeaderSize+i*slotSize]))
}

func (a *arena) data(i int) []byte {
	off := arenaHeaderSize + i*slotSize + slotHeaderSize
	return a.mem[off : off : off+slotDataSize]
}

// newBatch returns a batch whose records live in a free slot. When every
// slot is taken it returns a starved batch: no record fits it (capacity
// 0), so Track calls roomInSlot before appending, which finds it a slot or
// applies the Overflow policy. The slots are part of the queue bound, and
// an event Track accepts is always in the arena.
func (a *arena) newBatch() *batch {
	if b := a.take(); b != nil {
		return b
	}
	return &batch{batchState: batchState{slot: &a.none}}
}

// take returns a new batch in a free slot, or nil when there is none.
func (a *arena) take() *batch {
	a.mu.Lock()
	k := len(a.free)
	if k == 0 {
		a.mu.Unlock()
		return nil
	}
	i := int(a.free[k-1])
	a.free = a.free[:k-1]
	a.mu.Unlock()
	b := &batch{batchState: batchState{rec: a.data(i), slot: a.slot(i), slotIdx: i}}
	b.clearSlot()
	return b
}

// recycle frees b's slot (b was spooled, delivered or dropped: a restart
// must not send it again) and reports whether b may go on the queue's free
// list (a starved batch may not: it would be handed out while slots are
// free).
func (a *arena) recycle(b *batch) bool {
	if a == nil {
		return true
	}
	b.released()
	return cap(b.rec) > 0
}

// put returns the slot of a batch that leaves the free list.
func (a *arena) put(b *batch) {
	if a == nil || b.slot == nil || cap(b.rec) == 0 {
		return
	}
	b.released()
	i := b.slotIdx
	b.slot, b.rec = nil, nil
	a.mu.Lock()
	a.free = append(a.free, int32(i))
	a.mu.Unlock()
}

// roomInSlot returns the batch of shard s that a record of size bytes
// fits, sealing the open batch first when its slot is too full, or nil when
// every slot is taken and the Overflow policy refuses the event. Like
// Track, it wakes no goroutine. The caller holds s.mu.
func (e *Emitter) roomInSlot(s *shard, size int) *batch {
	b := s.open
	if b.n > 0 {
		e.seal(s)
		b = s.open
		if cap(b.rec) >= size { // a fresh slot: any valid record fits
			return b
		}
	}
	// starved: look for a slot freed since, evicting the oldest sealed
	// batches under DropOldest
	a := e.q.arena
	if !a.warn.Swap(true) {
		a.log.Warn("telemetry: spool arena: every slot is taken (the spooler is behind): " +
			"the Overflow policy applies (reason queue_full) until the spooler frees slots")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.collect()
	for {
		if nb := e.freeSlotBatch(); nb != nil {
			s.open = nb
			return nb
		}
		if e.set.overflow != DropOldest {
			break
		}
		old := e.q.popHead()
		if old == nil {
			break
		}
		e.dropListed(old, ReasonQueueFull, nil)
		e.notifyReq.Store(true) // the ticker wakes the loop: Track does not
	}
	a.starved.Add(1)
	return nil
}

// freeSlotBatch returns an empty batch with a slot, recycled or new, or
// nil when every slot is taken. It allocates no starved batch.
func (e *Emitter) freeSlotBatch() *batch {
	if b := e.q.takeFree(); b != nil {
		b.reset()
		return b
	}
	return e.q.arena.take()
}

// errArenaUnsupported: no arena on this platform (arena_other.go).
var errArenaUnsupported = errors.New("telemetry: spool arena not supported on this platform")

// arenaSlots sizes the arena: one slot per shard, one per 16 KiB of the
// queue bound (a full batch of typical events is 10 to 16 KiB, so the slots
// bind about where MaxQueueBytes does), and the spooler's group.
func arenaSlots(shards int, maxQueueBytes int64) int {
	q := int(min(max(maxQueueBytes/(16<<10), 64), maxArenaSlots))
	return shards + q + spoolGroupMax + 8
}

// closeArena unmaps the arena once nothing can touch a batch any more
// (after the senders ended). Batches Close's deadline left unspooled stay
// committed in their slots, for the next process, like the spooled ones
// (Close does not drop them; they stay in Stats.Pending).
func (e *Emitter) closeArena() {
	a := e.q.arena
	if a == nil {
		return
	}
	e.mu.Lock()
	e.q.arena = nil
	kept := e.q.queuedEvents
	e.mu.Unlock()
	unmapArena(a)
	if kept > 0 {
		e.log.Info("telemetry: spool: events not yet spooled kept in the arena for the next process",
			slog.String("dir", e.sp.st.Dir()), slog.Uint64("events", kept))
	}
}
