//go:build linux

package telemetry

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/pecta-ai/pecta-go/pecta"
)

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

// An event is in the page cache, readable by the next process, the moment
// Track returns: no flush, no seal, no spooler involved.
func TestArenaHoldsEventsWhenTrackReturns(t *testing.T) {
	srv := newServer(t)
	srv.Down()
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	cfg.FlushInterval = time.Hour
	e := mustNew(t, cfg)
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
	_ = closeSoon(t, e) // the spool keeps them
}

// craftSlot writes the records of evs into slot i of the arena file in
// dir, committed (with commit's length and count when set), with key as
// the slot's spool key and tail appended after the committed bytes (a
// record torn by a kill).
func craftSlot(t *testing.T, a *arena, i int, evs []*pecta.Event, key uint64, tail []byte, badCommit bool) {
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

func toolEvents(prefix string, n int) []*pecta.Event {
	evs := make([]*pecta.Event, n)
	for k := range evs {
		evs[k] = event("arena-agent", k)
		evs[k].Tool = prefix + strconv.Itoa(k)
	}
	return evs
}

// Recovery: committed slots are re-queued and delivered, bytes past the
// commit word (a torn record) ignored, slots whose batch the spool already
// holds skipped (no duplicate), corrupt slots counted.
func TestArenaRecovery(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	fillSpool(t, srv, cfg, 100) // the spool holds batches; the arena is all free

	var keys []uint64
	_ = openDirSpool(t, dir).Scan(func(b SpoolBatch) error {
		keys = append(keys, b.Key)
		return nil
	})
	if len(keys) == 0 {
		t.Fatal("nothing spooled")
	}

	a, old, err := mapArena(filepath.Join(dir, arenaFile), 1)
	if err != nil {
		t.Fatal(err)
	}
	if old.slots < 4 {
		t.Fatalf("arena has %d slots", old.slots)
	}
	torn := appendRecord(nil, event("arena-agent", 99), 1, 1)
	craftSlot(t, a, 0, toolEvents("open-", 3), 0, torn[:len(torn)/2], false)         // open batch, killed mid-record
	craftSlot(t, a, 1, toolEvents("corrupt-", 2), 0, nil, true)                      // commit beyond the records
	craftSlot(t, a, 2, toolEvents("spooled-", 5), keys[0], nil, false)               // in the spool, not yet freed
	craftSlot(t, a, 3, toolEvents("midtxn-", 4), keys[len(keys)-1]+1000, nil, false) // spool write never committed
	unmapArena(a)

	var logs bytes.Buffer
	cfg.Logger = newTestLogger(&logs)
	e := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = e.Flush(ctx)
	if !isUndelivered(err, ReasonSpoolCorrupt) {
		t.Fatalf("Flush: %v", err)
	}
	st := e.Stats()
	checkSpoolInvariant(t, st)
	if st.Replayed != 100+3+2+4 || st.DroppedByReason[ReasonSpoolCorrupt] != 2 || st.Sent != 100+3+4 {
		t.Fatalf("recovery: %v", st)
	}
	got := map[string]int{}
	for _, ev := range srv.Ingested() {
		got[ev.Tool]++
	}
	for _, want := range []string{"open-0", "open-1", "open-2", "midtxn-0", "midtxn-3"} {
		if got[want] != 1 {
			t.Fatalf("%s delivered %d times", want, got[want])
		}
	}
	for tool := range got {
		if strings.HasPrefix(tool, "spooled-") || strings.HasPrefix(tool, "corrupt-") {
			t.Fatalf("%s delivered", tool)
		}
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), ReasonSpoolCorrupt) {
		t.Fatalf("no ERROR record for the corrupt slot: %s", logs.String())
	}
	if left := arenaEvents(t, dir); len(left) != 0 {
		t.Fatalf("arena still holds %v after delivery", left)
	}
}

// Slots written under another key pair are delivered: their records are
// signed when they are sent, with the keys of the emitter that sends them.
func TestArenaKeyChanged(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	fillSpool(t, srv, cfg, 10)
	e := mustNew(t, cfg) // delivers the 10
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	a, _, err := mapArena(filepath.Join(dir, arenaFile), 1)
	if err != nil {
		t.Fatal(err)
	}
	craftSlot(t, a, 0, toolEvents("old-key-", 6), 0, nil, false)
	unmapArena(a)

	cfg.SecretKey = pecta.APIKey{} // other keys: now unsigned
	e2 := mustNew(t, cfg)
	if err := e2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := e2.Stats()
	checkSpoolInvariant(t, st)
	if st.Replayed != 6 || st.Sent != 6 || st.Dropped != 0 {
		t.Fatalf("key changed: %v", st)
	}
	n := 0
	for _, ev := range srv.Ingested() {
		if strings.HasPrefix(ev.Tool, "old-key-") {
			n++
		}
	}
	if n != 6 {
		t.Fatalf("%d of the 6 events tracked under the old keys delivered", n)
	}
}

// The largest events never push a batch out of its slot (append would
// silently move it to the heap): Track seals first, and every event is
// delivered.
func TestArenaLargeEventsStayInSlots(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	e := mustNew(t, cfg)
	big := event("arena-agent", 0)
	// the largest valid record: every string at its limit in characters
	// of 4 bytes each
	const clef = "\U0001D11E"
	big.AgentID = strings.Repeat(clef, pecta.MaxAgentIDLen)
	big.Gates = make([]pecta.GateResult, pecta.MaxGates)
	for k := range big.Gates {
		big.Gates[k] = pecta.GateResult{Name: strings.Repeat(clef, pecta.MaxGateNameLen-3) + strconv.Itoa(100+k),
			Reason: strings.Repeat(clef, pecta.MaxReasonLen), LatencyMS: 1, Passed: true}
	}
	if n := recordSize(big); n < maxRecordBytes-2*pecta.MaxToolLen*4 || n != len(appendRecord(nil, big, 1, 1)) {
		t.Fatalf("record of %d bytes: not large enough, or miscounted", n)
	}
	a := e.q.arena
	if a == nil {
		t.Fatal("no arena")
	}
	lo := uintptr(unsafe.Pointer(&a.mem[0]))
	hi := lo + uintptr(len(a.mem))
	const n = 40
	for i := range n {
		big.Tool = "big-" + strconv.Itoa(i)
		if err := e.Track(big); err != nil {
			t.Fatal(err)
		}
		for s := range e.shards {
			sh := &e.shards[s]
			sh.mu.Lock()
			b := sh.open
			if b.slot != nil {
				p := uintptr(unsafe.Pointer(unsafe.SliceData(b.rec)))
				if p < lo || p >= hi || cap(b.rec) != slotDataSize {
					sh.mu.Unlock()
					t.Fatalf("after event %d: a slotted batch's records left the arena", i)
				}
			}
			sh.mu.Unlock()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.Ingested()); got != n {
		t.Fatalf("%d of %d large events delivered", got, n)
	}
}

// The slots are part of the queue bound: with the spooler stuck and every
// slot taken, Track refuses events (DropNewest) or evicts the oldest sealed
// batch (DropOldest), counted under queue_full; an event Track accepted is
// always in the arena, and every accepted event not evicted is delivered
// once the spooler moves again.
func TestArenaFullAppliesOverflow(t *testing.T) {
	for _, pol := range []OverflowPolicy{DropNewest, DropOldest} {
		t.Run(pol.String(), func(t *testing.T) {
			srv := newServer(t)
			dir := t.TempDir()
			cfg := spoolConfig(srv, dir)
			cfg.BatchSize = 1 // a slot per event
			cfg.Overflow = pol
			var logs bytes.Buffer
			cfg.Logger = newTestLogger(&logs)
			block := make(chan struct{})
			spoolHookInTxn = func() error { <-block; return nil } // the spooler sticks in its first write
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { spoolHookInTxn = nil }() // after Close: no goroutine reads it
			const n = 600
			slots := e.q.arena.nslots
			accepted, refused := map[string]bool{}, 0
			for i := range n {
				ev := event("arena-agent", i)
				ev.Tool = "f" + strconv.Itoa(i)
				switch err := e.Track(ev); err {
				case nil:
					accepted[ev.Tool] = true
				case ErrQueueFull:
					refused++
				default:
					t.Fatal(err)
				}
			}
			// and from several goroutines at once (-race: starved batches
			// share no written state)
			var mu sync.Mutex
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 50 {
						ev := event("arena-agent", i)
						ev.Tool = "p" + strconv.Itoa(g) + "-" + strconv.Itoa(i)
						err := e.Track(ev)
						mu.Lock()
						switch err {
						case nil:
							accepted[ev.Tool] = true
						case ErrQueueFull:
							refused++
						default:
							t.Error(err)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if refused == 0 && pol == DropNewest {
				t.Fatalf("%d events tracked into %d slots without a refusal", n, slots)
			}
			st := e.Stats()
			evicted := int(st.DroppedByReason[ReasonQueueFull]) - refused
			if pol == DropOldest && (refused != 0 || evicted == 0) {
				t.Fatalf("DropOldest: refused %d, evicted %d", refused, evicted)
			}
			inArena := arenaEvents(t, dir)
			for tool := range inArena {
				if !accepted[tool] {
					t.Fatalf("%s in the arena but refused", tool)
				}
			}
			if len(inArena) != len(accepted)-evicted {
				t.Fatalf("arena holds %d events, accepted %d, evicted %d", len(inArena), len(accepted), evicted)
			}
			if !strings.Contains(logs.String(), "every slot is taken") {
				t.Fatalf("no warning: %s", logs.String())
			}
			close(block)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = e.Flush(ctx)
			if err := e.Close(ctx); err != nil && refused == 0 && evicted == 0 {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, ev := range srv.Ingested() {
				got[ev.Tool]++
			}
			for tool := range inArena {
				if got[tool] != 1 {
					t.Fatalf("%s delivered %d times", tool, got[tool])
				}
			}
			if len(got) != len(inArena) {
				t.Fatalf("delivered %d events, the arena held %d", len(got), len(inArena))
			}
			checkSpoolInvariant(t, e.Stats())
			t.Logf("%d slots: %d accepted, %d refused, %d evicted, %d delivered", slots, len(accepted), refused, evicted, len(got))
		})
	}
}

// Close's deadline drops nothing the arena holds: batches the spooler had
// not written stay committed in their slots (Stats.Pending), and the next
// emitter delivers every event exactly once.
func TestArenaCloseDeadlineKeepsUnspooled(t *testing.T) {
	srv := newServer(t)
	srv.Down()
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	cfg.BatchSize = 10
	ctx, cancel := context.WithCancel(context.Background())
	var em atomic.Pointer[Emitter]
	// the spooler's first write waits until Close has given up (its ctx
	// ends, then Close cancels the emitter's): the rest stays in memory
	inTxn := make(chan struct{}, 1)
	spoolHookInTxn = func() error {
		select {
		case inTxn <- struct{}{}:
		default:
		}
		<-ctx.Done()
		<-em.Load().sendCtx.Done()
		return nil
	}
	defer func() { spoolHookInTxn = nil }()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	em.Store(e)
	const n = 200
	for i := range n {
		ev := event("arena-agent", i)
		ev.Tool = "c" + strconv.Itoa(i)
		if err := e.Track(ev); err != nil {
			t.Fatal(err)
		}
		if i == 9 { // the first batch sealed: the rest comes once the spooler is stuck
			select {
			case <-inTxn:
			case <-time.After(10 * time.Second):
				t.Fatal("the spooler did not start writing")
			}
		}
	}
	cancel()
	if err := e.Close(ctx); err != nil {
		t.Fatalf("Close dropped what the arena and the spool keep: %v", err)
	}
	st := e.Stats()
	checkSpoolInvariant(t, st)
	inArena := arenaEvents(t, dir)
	if st.Dropped != 0 || len(inArena) == 0 || st.Pending != n || uint64(len(inArena))+st.SpooledEvents != n {
		t.Fatalf("after Close: %v, %d events in the arena, %d spooled", st, len(inArena), st.SpooledEvents)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	e2 := mustNew(t, cfg)
	fctx, fcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer fcancel()
	if err := e2.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, ev := range srv.Ingested() {
		got[ev.Tool]++
	}
	for i := range n {
		if tool := "c" + strconv.Itoa(i); got[tool] != 1 {
			t.Fatalf("%s delivered %d times", tool, got[tool])
		}
	}
	if st := e2.Stats(); st.Replayed != n {
		t.Fatalf("replayed %d, want %d", st.Replayed, n)
	}
}

// A shard that seals takes one free slot, not the whole free list: the
// other shards must find the rest when their slots fill (found in review:
// shard 0 kept 99 free slots while freeSlotBatch found none).
func TestArenaShardsDoNotHoardFreeSlots(t *testing.T) {
	srv := newServer(t)
	cfg := fastConfig(srv)
	cfg.Spool = openDirSpool(t, t.TempDir())
	e := mustNew(t, cfg)
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
