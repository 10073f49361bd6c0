//go:build linux

package telemetry_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// The spool arena's delivery: what a killed process left in it reaches the
// server. The arena from inside is tested in arena_internal_test.go.

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
	_ = telemetry.DirSpoolAt(dir).Scan(func(b telemetry.SpoolBatch) error {
		keys = append(keys, b.Key)
		return nil
	})
	if len(keys) == 0 {
		t.Fatal("nothing spooled")
	}

	torn := telemetry.AppendRecord(nil, event("arena-agent", 99), 1, 1)
	telemetry.WriteArenaSlots(t, dir,
		telemetry.ArenaSlot{Events: toolEvents("open-", 3), Tail: torn[:len(torn)/2]},        // open batch, killed mid-record
		telemetry.ArenaSlot{Events: toolEvents("corrupt-", 2), BadCommit: true},              // commit beyond the records
		telemetry.ArenaSlot{Events: toolEvents("spooled-", 5), Key: keys[0]},                 // in the spool, not yet freed
		telemetry.ArenaSlot{Events: toolEvents("midtxn-", 4), Key: keys[len(keys)-1] + 1000}, // spool write never committed
	)

	var logs *syncBuffer
	cfg.Logger, logs = newTestLogger()
	e := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.Flush(ctx)
	if !isUndelivered(err, telemetry.ReasonSpoolCorrupt) {
		t.Fatalf("Flush: %v", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Replayed != 100+3+2+4 || st.DroppedByReason[telemetry.ReasonSpoolCorrupt] != 2 || st.Sent != 100+3+4 {
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
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), telemetry.ReasonSpoolCorrupt) {
		t.Fatalf("no ERROR record for the corrupt slot: %s", logs.String())
	}
	if left := telemetry.ArenaEvents(t, dir); len(left) != 0 {
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
	telemetry.WriteArenaSlots(t, dir, telemetry.ArenaSlot{Events: toolEvents("old-key-", 6)})

	cfg.SecretKey = pecta.APIKey{} // other keys: now unsigned
	e2 := mustNew(t, cfg)
	if err := e2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := e2.Stats()
	checkInvariant(t, st)
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
	if n := telemetry.RecordSize(big); n < telemetry.MaxRecordBytes-2*pecta.MaxToolLen*4 || n != len(telemetry.AppendRecord(nil, big, 1, 1)) {
		t.Fatalf("record of %d bytes: not large enough, or miscounted", n)
	}
	if telemetry.ArenaSlots(e) == 0 {
		t.Fatal("no arena")
	}
	const n = 40
	for i := range n {
		big.Tool = "big-" + strconv.Itoa(i)
		if err := e.Track(big); err != nil {
			t.Fatal(err)
		}
		if err := telemetry.SlottedBatchesOK(e); err != nil {
			t.Fatalf("after event %d: %v", i, err)
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
	for _, pol := range []telemetry.OverflowPolicy{telemetry.DropNewest, telemetry.DropOldest} {
		t.Run(pol.String(), func(t *testing.T) {
			srv := newServer(t)
			dir := t.TempDir()
			cfg := spoolConfig(srv, dir)
			cfg.BatchSize = 1 // a slot per event
			cfg.Overflow = pol
			var logs *syncBuffer
			cfg.Logger, logs = newTestLogger()
			block := make(chan struct{})
			telemetry.SetSpoolWriteHook(func() error { <-block; return nil }) // the spooler sticks in its first write
			e, err := telemetry.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer telemetry.SetSpoolWriteHook(nil) // after Close: no goroutine reads it
			const n = 600
			slots := telemetry.ArenaSlots(e)
			accepted, refused := map[string]bool{}, 0
			for i := range n {
				ev := event("arena-agent", i)
				ev.Tool = "f" + strconv.Itoa(i)
				switch err := e.Track(ev); {
				case err == nil:
					accepted[ev.Tool] = true
				case errors.Is(err, telemetry.ErrQueueFull):
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
						switch {
						case err == nil:
							accepted[ev.Tool] = true
						case errors.Is(err, telemetry.ErrQueueFull):
							refused++
						default:
							t.Error(err)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if refused == 0 && pol == telemetry.DropNewest {
				t.Fatalf("%d events tracked into %d slots without a refusal", n, slots)
			}
			st := e.Stats()
			evicted := int(st.DroppedByReason[telemetry.ReasonQueueFull]) - refused
			if pol == telemetry.DropOldest && (refused != 0 || evicted == 0) {
				t.Fatalf("DropOldest: refused %d, evicted %d", refused, evicted)
			}
			inArena := telemetry.ArenaEvents(t, dir)
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
			checkInvariant(t, e.Stats())
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
	var em atomic.Pointer[telemetry.Emitter]
	// the spooler's first write waits until Close has given up (its ctx
	// ends, then Close cancels the emitter's): the rest stays in memory
	inTxn := make(chan struct{}, 1)
	telemetry.SetSpoolWriteHook(func() error {
		select {
		case inTxn <- struct{}{}:
		default:
		}
		<-ctx.Done()
		<-telemetry.SendContext(em.Load()).Done()
		return nil
	})
	defer telemetry.SetSpoolWriteHook(nil)
	e, err := telemetry.New(cfg)
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
	checkInvariant(t, st)
	inArena := telemetry.ArenaEvents(t, dir)
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
