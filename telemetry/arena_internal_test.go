package telemetry

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/pecta-ai/pecta-go/pecta"
)

// The spool arena from inside: what a killed process leaves in the file,
// and the slots the shards hold. The arena's delivery tests, which need a
// server, are in arena_test.go.

// arenaEvents reads dir's arena file as another process would after a
// kill (through read(2), not the mapping) and returns the tools of the
// committed events of every slot the header lists.
func arenaEvents(t *testing.T, dir string) map[string]bool {
	t.Helper()
	mem, err := os.ReadFile(filepath.Join(dir, arenaFile))
	if err != nil {
		t.Fatal(err)
	}
	old, ok := readArenaHeader(mem)
	if !ok {
		t.Fatal("arena header unreadable")
	}
	tools := map[string]bool{}
	var enc recordEncoder
	for i := range old.slots {
		off := arenaHeaderSize + i*slotSize
		commit := binary.LittleEndian.Uint64(mem[off:])
		if commit == 0 {
			continue
		}
		n, end := int(uint32(commit)), int(commit>>32)
		rec := mem[off+slotHeaderSize : off+slotHeaderSize+end]
		if !validRecords(rec, n, end) {
			t.Fatalf("slot %d: committed records do not parse", i)
		}
		for len(rec) > 0 {
			rec = enc.decode(rec)
			tools[enc.ev.Tool] = true
		}
	}
	return tools
}

// arenaSlot is what writeArenaSlots writes into a slot: the records of
// Events, committed, then Tail (bytes past the commit, as a record torn by
// a kill leaves), with Key as the slot's spool key; BadCommit commits three
// bytes more than the records hold.
type arenaSlot struct {
	Events    []*pecta.Event
	Key       uint64
	Tail      []byte
	BadCommit bool
}

// writeArenaSlots writes slots into the first slots of dir's arena file, as
// a process killed with them committed leaves them. It fails t unless the
// arena has that many slots.
func writeArenaSlots(t testing.TB, dir string, slots ...arenaSlot) {
	t.Helper()
	a, old, err := mapArena(filepath.Join(dir, arenaFile), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer unmapArena(a)
	if old.slots < len(slots) {
		t.Fatalf("arena has %d slots", old.slots)
	}
	for i, s := range slots {
		craftSlot(t, a, i, s.Events, s.Key, s.Tail, s.BadCommit)
	}
}

// craftSlot writes the records of evs into slot i of the arena file in
// dir, committed (with commit's length and count when set), with key as
// the slot's spool key and tail appended after the committed bytes (a
// record torn by a kill).
func craftSlot(t testing.TB, a *arena, i int, evs []*pecta.Event, key uint64, tail []byte, badCommit bool) {
	t.Helper()
	rec := a.data(i)
	for _, ev := range evs {
		rec = appendRecord(rec, ev, 1700000000, 5)
	}
	end := len(rec)
	rec = append(rec, tail...)
	if cap(rec) != slotDataSize {
		t.Fatal("craftSlot grew past the slot")
	}
	h := a.slot(i)
	h.commit.Store(uint64(end)<<32 | uint64(len(evs)))
	if badCommit {
		h.commit.Store(uint64(end+3)<<32 | uint64(len(evs)))
	}
	h.spoolKey.Store(key)
	h.gen.Store(uint64(i + 1))
}

// slottedBatchesOK returns an error if the records of a batch being filled
// in an arena slot have left the arena (append moved them to the heap).
func slottedBatchesOK(e *Emitter) error {
	a := e.q.arena
	if a == nil {
		return errors.New("no arena")
	}
	lo := uintptr(unsafe.Pointer(&a.mem[0]))
	hi := lo + uintptr(len(a.mem))
	for s := range e.shards {
		sh := &e.shards[s]
		sh.mu.Lock()
		b := sh.open
		if b.slot != nil {
			p := uintptr(unsafe.Pointer(unsafe.SliceData(b.rec)))
			if p < lo || p >= hi || cap(b.rec) != slotDataSize {
				sh.mu.Unlock()
				return errors.New("a slotted batch's records left the arena")
			}
		}
		sh.mu.Unlock()
	}
	return nil
}

// An event is in the page cache, readable by the next process, the moment
// Track returns: no flush, no seal, no spooler involved.
func TestArenaHoldsEventsWhenTrackReturns(t *testing.T) {
	dir := t.TempDir()
	// no delivery: every batch stays in the spool
	e := fakeEmitter(t, Config{Spool: dirSpoolAt(dir), FlushInterval: time.Hour, RequestsPerMinute: -1}, blockUntilCancelled)
	if e.q.arena == nil {
		_ = closeNow(t, e, time.Second)
		t.Skip("no spool arena on this platform")
	}
	for i := range 7 {
		ev := event("arena-agent", i)
		ev.Tool = "t" + strconv.Itoa(i)
		if err := e.Track(ev); err != nil {
			t.Fatal(err)
		}
		got := arenaEvents(t, dir)
		for k := 0; k <= i; k++ {
			if !got["t"+strconv.Itoa(k)] {
				t.Fatalf("after Track %d: event %d not in the arena file (%v)", i, k, got)
			}
		}
	}
	// spooled and released: the arena no longer holds them
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.SyncSpool(ctx); err != nil {
		t.Fatal(err)
	}
	if got := arenaEvents(t, dir); len(got) != 0 {
		t.Fatalf("spooled events still committed in the arena: %v", got)
	}
	_ = closeNow(t, e, 100*time.Millisecond) // the spool keeps them
}

// A shard that seals takes one free slot, not the whole free list: the
// other shards must find the rest when their slots fill (found in review:
// shard 0 kept 99 free slots while freeSlotBatch found none).
func TestArenaShardsDoNotHoardFreeSlots(t *testing.T) {
	e := fakeEmitter(t, Config{Spool: dirSpoolAt(t.TempDir()), RequestsPerMinute: -1}, acceptAll)
	defer func() { _ = closeNow(t, e, 5*time.Second) }()
	a := e.q.arena
	if a == nil {
		t.Skip("no spool arena on this platform")
	}
	var held []*batch
	for b := a.take(); b != nil; b = a.take() {
		held = append(held, b)
	}
	if len(held) < 101 {
		t.Fatalf("only %d free slots", len(held))
	}
	for _, b := range held[:100] { // finished by the spooler
		e.q.recycle(b)
	}
	nb := e.q.newBatch() // a shard sealed its batch and took a free one
	e.mu.Lock()
	got := e.freeSlotBatch() // what another shard's roomInSlot finds
	e.mu.Unlock()
	if got == nil {
		t.Fatal("no free slot for another shard while 99 were free")
	}
	e.q.recycle(nb)
	e.q.recycle(got)
	for _, b := range held[100:] {
		e.q.recycle(b)
	}
}

// With the spool arena, a slot that cannot take an event makes Track seal
// the batch early: an invalid event must not.
func TestTrackInvalidDoesNotSealArenaSlot(t *testing.T) {
	e := fakeEmitter(t, Config{Spool: dirSpoolAt(t.TempDir()), RequestsPerMinute: -1}, acceptAll)
	defer func() { _ = closeNow(t, e, 5*time.Second) }()
	if e.q.arena == nil {
		t.Skip("no arena on this platform")
	}
	good := badBig()
	good.Gates[len(good.Gates)-1].Reason = strings.Repeat("r", 499)
	size := recordSize(good)
	room := func() int { // of the shard this goroutine fills: the fullest
		least := slotDataSize
		for i := range e.shards {
			s := &e.shards[i]
			s.mu.Lock()
			least = min(least, cap(s.open.rec)-len(s.open.rec))
			s.mu.Unlock()
		}
		return least
	}
	for i := 0; room() >= size; i++ { // fill the open slot until the next event does not fit
		if i > 1000 {
			t.Fatal("the slot never filled")
		}
		if err := e.Track(good); err != nil {
			t.Fatal(err)
		}
	}
	sealed := sealedCount(e)
	for range 20 {
		if err := e.Track(badBig()); !errors.Is(err, ErrInvalidEvent) {
			t.Fatalf("Track(invalid) = %v", err)
		}
	}
	if n := sealedCount(e) - sealed; n != 0 {
		t.Fatalf("invalid events sealed %d batches early", n)
	}
	if err := e.Track(good); err != nil { // a valid one seals it and moves on
		t.Fatal(err)
	}
	if n := sealedCount(e) - sealed; n != 1 {
		t.Fatalf("the valid event sealed %d batches, want 1", n)
	}
}

// sealedCount returns how many batches Track ever sealed.
func sealedCount(e *Emitter) uint64 {
	_, n := e.sealedWaiting()
	return n
}

// Recovery checks records against the limits Validate enforces, in
// characters: a valid event with long non-ASCII strings is recovered (it
// used to be refused as corrupt: the check compared bytes with character
// limits), and a record whose latency or text is damaged is refused.
func TestArenaCheckRecordMatchesValidate(t *testing.T) {
	ev := event("agent-é", 0)
	ev.Gates[0].Reason = strings.Repeat("界", pecta.MaxReasonLen) // 1500 bytes, 500 characters
	ev.Tool = strings.Repeat("ü", pecta.MaxToolLen)
	if err := ev.Validate(); err != nil {
		t.Fatal(err)
	}
	rec := appendRecord(nil, ev, 1, 2)
	if n, ok := checkRecord(rec); !ok || n != len(rec) {
		t.Fatalf("valid record refused: %d %v (len %d)", n, ok, len(rec))
	}
	damage := []struct {
		name string
		at   int
		b    []byte
	}{
		{"NaN total latency", 14, []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}},
		{"negative total latency", 21, []byte{0x80}},
		{"invalid UTF-8 in the agent id", 24, []byte{0xff}},
	}
	for _, d := range damage {
		bad := slices.Clone(rec)
		copy(bad[d.at:], d.b)
		if _, ok := checkRecord(bad); ok {
			t.Errorf("%s: accepted", d.name)
		}
	}
}
