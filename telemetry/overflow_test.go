package telemetry_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// A full queue while the server is down or stalled: the Overflow policy,
// exact accounting, and a Track that never waits.

// minQueueBytes is the smallest Config.MaxQueueBytes, 64 KiB.
const minQueueBytes = 64 << 10

func TestOverflowDropNewestExactAccounting(t *testing.T) {
	srv := newServer(t)
	srv.Down()
	cfg := testConfig(srv)
	cfg.MaxQueueBytes = minQueueBytes
	e := mustNew(t, cfg)
	var full, ok int
	ev := event("of", 0)
	for i := range 5000 {
		ev.Tool = "tool-" + strconv.Itoa(i)
		switch err := e.Track(ev); {
		case err == nil:
			ok++
		case errors.Is(err, telemetry.ErrQueueFull):
			full++
		default:
			t.Fatal(err)
		}
	}
	st := e.Stats()
	checkInvariant(t, st)
	if full == 0 || st.DroppedByReason[telemetry.ReasonQueueFull] != uint64(full) || st.QueuedBytes > minQueueBytes {
		t.Fatalf("full=%d stats %v", full, st)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	if err := closeNow(t, e, 20*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st = e.Stats()
	checkInvariant(t, st)
	if st.Sent != uint64(ok) || len(srv.Ingested()) != ok || st.Dropped != uint64(full) {
		t.Fatalf("ok=%d full=%d ingested=%d stats %v", ok, full, len(srv.Ingested()), st)
	}
}

func TestOverflowDropOldest(t *testing.T) {
	srv := newServer(t)
	srv.Down()
	cfg := testConfig(srv)
	cfg.MaxQueueBytes = minQueueBytes
	cfg.Overflow = telemetry.DropOldest
	cfg.BatchSize = 10
	e := mustNew(t, cfg)
	ev := event("old", 0)
	const total = 3000
	for i := range total {
		ev.Tool = "tool-" + strconv.Itoa(i)
		if err := e.Track(ev); err != nil && !errors.Is(err, telemetry.ErrQueueFull) {
			t.Fatal(err)
		}
	}
	st := e.Stats()
	checkInvariant(t, st)
	dropped := st.DroppedByReason[telemetry.ReasonQueueFull]
	if dropped == 0 || st.QueuedBytes > minQueueBytes {
		t.Fatalf("stats %v", st)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	err := closeNow(t, e, 20*time.Second)
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || ue.Events != dropped || ue.ByReason[telemetry.ReasonQueueFull] != dropped {
		t.Fatalf("Close = %v, want the %d evicted events reported", err, dropped)
	}
	st = e.Stats()
	checkInvariant(t, st)
	got := srv.Ingested()
	if st.Sent+st.Dropped != total || uint64(len(got)) != st.Sent {
		t.Fatalf("ingested %d stats %v", len(got), st)
	}
	// the newest event survived
	var newest bool
	for _, in := range got {
		newest = newest || in.Tool == "tool-"+strconv.Itoa(total-1)
	}
	if !newest {
		t.Fatal("DropOldest lost the newest event")
	}
}

func TestStalledServerTrackPromptCloseBounded(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(time.Hour)
	cfg := testConfig(srv)
	cfg.RequestTimeout = time.Hour
	e := mustNew(t, cfg)
	var slowest time.Duration
	ev := event("stall", 0)
	const n = 20000
	for i := range n {
		ev.Tool = "tool-" + strconv.Itoa(i)
		start := time.Now()
		err := e.Track(ev)
		if d := time.Since(start); d > slowest {
			slowest = d
		}
		if err != nil && !errors.Is(err, telemetry.ErrQueueFull) {
			t.Fatal(err)
		}
	}
	// Requests stall for an hour and time out after an hour: a Track that
	// waited on the network, the sender or the full queue would take that
	// long. The bound is far above scheduling noise on a loaded 2-core CI
	// machine (a 50 ms bound failed there); Track's speed is measured by
	// the benchmarks, not here.
	if slowest > 2*time.Second {
		t.Fatalf("slowest Track took %v", slowest)
	}
	waitFor(t, 5*time.Second, "a request in flight", func() bool { return e.Stats().InFlight > 0 })
	start := time.Now()
	err := closeNow(t, e, 300*time.Millisecond)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Close took %v with a 300ms deadline", took)
	}
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: %v", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Pending != 0 || st.Sent != 0 || st.DroppedByReason[telemetry.ReasonShutdown] != ue.Events ||
		st.DroppedByReason[telemetry.ReasonShutdown]+st.DroppedByReason[telemetry.ReasonQueueFull] != n {
		t.Fatalf("undelivered %d, stats %v", ue.Events, st)
	}
}
