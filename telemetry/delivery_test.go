package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// End to end through pectatest: what the server receives, and the counts
// the emitter keeps of it.

func TestDeliverExactlyOnceSigned(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, testConfig(srv))
	const goroutines, n = 4, 1234
	trackAll(t, e, goroutines, n)
	if err := closeNow(t, e, 10*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkDelivered(t, srv, goroutines, n, 0)
	st := e.Stats()
	checkInvariant(t, st)
	if st.Tracked != goroutines*n || st.Sent != goroutines*n || st.Dropped != 0 || st.Pending != 0 {
		t.Fatalf("stats %v", st)
	}
	reqs := ingestRequests(srv)
	if len(reqs) == 0 {
		t.Fatal("no ingest requests")
	}
	for i, r := range reqs {
		if !r.Signed || !r.SignatureValid {
			t.Fatalf("request %d: signed=%v valid=%v", i, r.Signed, r.SignatureValid)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testPK {
			t.Fatalf("request %d: Authorization %q", i, got)
		}
		assertNoSecret(t, r)
	}
	if st.Batches != uint64(len(reqs)) {
		t.Fatalf("batches %d, requests %d", st.Batches, len(reqs))
	}
}

func TestUnsignedWithoutSecretKey(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.SecretKey = pecta.APIKey{}
	e := mustNew(t, cfg)
	trackAll(t, e, 1, 10)
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, r := range ingestRequests(srv) {
		if r.Signed {
			t.Fatal("unsigned emitter sent a signature")
		}
	}
	if got := len(srv.Ingested()); got != 10 {
		t.Fatalf("ingested %d", got)
	}
}

func TestTimestampsAndEventCopy(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, testConfig(srv))
	fixed := time.Date(2026, 5, 7, 14, 22, 44, 123e6, time.UTC)
	before := time.Now().Add(-time.Millisecond)
	ev := event("ts", 1)
	if err := e.Track(ev); err != nil {
		t.Fatal(err)
	}
	if !ev.Timestamp.IsZero() {
		t.Fatal("Track modified the caller's event")
	}
	// reuse the event at once: the first one must be unaffected
	ev.AgentID, ev.Timestamp, ev.Gates[0].Name = "ts-fixed", fixed, "changed"
	if err := e.Track(ev); err != nil {
		t.Fatal(err)
	}
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	after := time.Now().Add(5 * time.Millisecond)
	got := srv.Ingested()
	if len(got) != 2 {
		t.Fatalf("ingested %d", len(got))
	}
	for _, in := range got {
		switch in.AgentID {
		case "ts":
			if in.Timestamp.Before(before.Truncate(time.Millisecond)) || in.Timestamp.After(after) {
				t.Fatalf("stamped %v not within [%v, %v]", in.Timestamp, before, after)
			}
			if in.Gates[0].Name != "filesystem" || len(in.Gates) != 3 || in.Gates[2].Reason != "ok" {
				t.Fatalf("gates %+v", in.Gates)
			}
		case "ts-fixed":
			if !in.Timestamp.Equal(fixed) {
				t.Fatalf("timestamp %v, want %v", in.Timestamp, fixed)
			}
			if in.Gates[0].Name != "changed" {
				t.Fatalf("gates %+v", in.Gates)
			}
		default:
			t.Fatalf("unexpected agent %q", in.AgentID)
		}
	}
}

// An event whose timestamp RFC 3339 cannot express used to be accepted and
// then cost its whole batch (the server rejects the batch).
func TestUnencodableTimestampRefusedNotBatchPoison(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.FlushInterval = time.Hour
	e := mustNew(t, cfg)
	for i := range 99 {
		if err := e.Track(event("ok", i)); err != nil {
			t.Fatal(err)
		}
	}
	bad := event("bad", 0)
	bad.Timestamp = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	err := e.Track(bad)
	var ve *pecta.ValidationError
	if !errors.Is(err, telemetry.ErrInvalidEvent) || !errors.As(err, &ve) || ve.Field != "timestamp" {
		t.Fatalf("Track(year 10000) = %v, want an invalid-event error on timestamp", err)
	}
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Sent != 99 || st.DroppedByReason[telemetry.ReasonInvalid] != 1 {
		t.Errorf("stats %v", st)
	}
}

func TestInvalidEventsRefusedAndCounted(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, testConfig(srv))
	long := strings.Repeat("x", 201)
	tests := []struct {
		name  string
		ev    *pecta.Event
		field string
	}{
		{"nil", nil, "event"},
		{"no agent", &pecta.Event{}, "agent_id"},
		{"long agent", &pecta.Event{AgentID: long}, "agent_id"},
		{"long tool", &pecta.Event{AgentID: "a", Tool: long}, "tool"},
		{"too many gates", &pecta.Event{AgentID: "a", Gates: make([]pecta.GateResult, 51)}, "gates"},
		{"long gate name", &pecta.Event{AgentID: "a", Gates: []pecta.GateResult{{Name: long}}}, "gates[0].name"},
		{"long reason", &pecta.Event{AgentID: "a", Gates: []pecta.GateResult{{Name: "g", Reason: strings.Repeat("r", 501)}}}, "gates[0].reason"},
		{"negative latency", &pecta.Event{AgentID: "a", TotalLatencyMS: -1}, "total_latency_ms"},
		{"NaN gate latency", &pecta.Event{AgentID: "a", Gates: []pecta.GateResult{{Name: "g", LatencyMS: math.NaN()}}}, "gates[0].latency_ms"},
		{"passed with a failed gate", &pecta.Event{AgentID: "a", Passed: true, Gates: []pecta.GateResult{{Name: "g"}}}, "passed"},
		// structurally plain events whose bytes are not UTF-8: Track finds
		// them while copying the strings, after the bound check
		{"bad UTF-8 agent", &pecta.Event{AgentID: "a\xff"}, "agent_id"},
		{"bad UTF-8 tool", &pecta.Event{AgentID: "a", Tool: "bid\xc3"}, "tool"},
		{"bad UTF-8 long tool", &pecta.Event{AgentID: "a", Tool: strings.Repeat("t", 40) + "\xed\xa0\x80"}, "tool"},
		{"bad UTF-8 gate name", &pecta.Event{AgentID: "a", Gates: []pecta.GateResult{{Name: "g"}, {Name: "p\x80i"}}}, "gates[1].name"},
		{"bad UTF-8 reason", &pecta.Event{AgentID: "a", Gates: []pecta.GateResult{{Name: "g", Reason: "\xfe"}}}, "gates[0].reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Track(tt.ev)
			if !errors.Is(err, telemetry.ErrInvalidEvent) {
				t.Fatalf("err %v, want ErrInvalidEvent", err)
			}
			var ve *pecta.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("err %v, want field %s", err, tt.field)
			}
		})
	}
	// the boundary values are accepted
	ok := &pecta.Event{AgentID: strings.Repeat("é", 200), Tool: strings.Repeat("t", 200),
		Gates: make([]pecta.GateResult, 50)}
	for i := range ok.Gates {
		ok.Gates[i] = pecta.GateResult{Name: strings.Repeat("n", 200), Reason: strings.Repeat("r", 500)}
	}
	if err := e.Track(ok); err != nil {
		t.Fatalf("boundary event: %v", err)
	}
	// short valid non-ASCII strings: Track's copy finds them not ASCII and
	// Validate accepts them
	intl := &pecta.Event{AgentID: "agënt", Tool: "bíd", Gates: []pecta.GateResult{{Name: "pii", Passed: true, Reason: "naïve ✓"}}}
	if err := e.Track(intl); err != nil {
		t.Fatalf("non-ASCII event: %v", err)
	}
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.DroppedByReason[telemetry.ReasonInvalid] != uint64(len(tests)) || st.Sent != 2 || st.Tracked != uint64(len(tests))+2 {
		t.Fatalf("stats %v", st)
	}
	got := srv.Ingested()
	if len(got) != 2 || len(got[0].Gates) != 50 {
		t.Fatalf("ingested %d", len(got))
	}
	if g := got[1]; g.AgentID != intl.AgentID || g.Tool != intl.Tool || g.Gates[0].Reason != intl.Gates[0].Reason {
		t.Fatalf("non-ASCII event delivered as %+v", g)
	}
}

func TestTrackAfterClose(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, testConfig(srv))
	if err := e.Track(event("a", 1)); err != nil {
		t.Fatal(err)
	}
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := e.Track(event("a", 2)); !errors.Is(err, telemetry.ErrClosed) {
			t.Fatalf("Track after Close: %v", err)
		}
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := e.Flush(context.Background()); !errors.Is(err, telemetry.ErrClosed) {
		t.Fatalf("Flush after Close: %v", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.DroppedByReason[telemetry.ReasonClosed] != 3 || st.Sent != 1 || st.Tracked != 4 {
		t.Fatalf("stats %v", st)
	}
}

func TestFlushDeliversQueued(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.FlushInterval = time.Hour // only Flush can send partial batches
	e := mustNew(t, cfg)
	trackAll(t, e, 3, 7)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.Ingested()); got != 21 {
		t.Fatalf("after Flush the server has %d events, want 21", got)
	}
	// partial shard batches are merged: 21 events fit one request
	if got := len(ingestRequests(srv)); got != 1 {
		t.Fatalf("%d requests, want 1", got)
	}
	checkInvariant(t, e.Stats())
}

func TestFlushIntervalSendsPartialBatch(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, testConfig(srv)) // 50ms interval
	if err := e.Track(event("tick", 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "interval flush", func() bool { return len(srv.Ingested()) == 1 })
}

func TestConcurrentCloseAndTrack(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, testConfig(srv))
	var wg sync.WaitGroup
	var okCount atomic.Uint64
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := event(fmt.Sprint("cc", g), 0)
			for range 2000 {
				if e.Track(ev) == nil {
					okCount.Add(1)
				}
			}
		}()
	}
	err := closeNow(t, e, 10*time.Second)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Sent != okCount.Load() || st.Pending != 0 || uint64(len(srv.Ingested())) != okCount.Load() {
		t.Fatalf("ok %d stats %v", okCount.Load(), st)
	}
}

func TestInvariantUnderConcurrency(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.MaxQueueBytes = 256 << 10
	cfg.BatchSize = 25
	cfg.SampleRate = 0.9
	e := mustNew(t, cfg)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var tracked atomic.Uint64
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := event("inv"+strconv.Itoa(g), 0)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if i%97 == 0 {
					_ = e.Track(&pecta.Event{}) // invalid
				} else {
					_ = e.Track(ev)
				}
				tracked.Add(1)
			}
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			_ = e.Flush(ctx)
			cancel()
		}
	}()
	go func() {
		defer wg.Done()
		srv.FailNext(5, 503, 0)
		srv.ResetNext(5)
		srv.FailNext(2, 429, time.Second)
	}()
	deadline := time.Now().Add(time.Second)
	snapshots := 0
	for time.Now().Before(deadline) {
		checkInvariant(t, e.Stats())
		snapshots++
	}
	close(stop)
	wg.Wait()
	if err := closeNow(t, e, 20*time.Second); err != nil {
		var ue *telemetry.UndeliveredError
		if !errors.As(err, &ue) {
			t.Fatal(err)
		}
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Tracked != tracked.Load() || st.Pending != 0 || uint64(len(srv.Ingested())) != st.Sent {
		t.Fatalf("tracked %d ingested %d stats %v", tracked.Load(), len(srv.Ingested()), st)
	}
	if st.DroppedByReason[telemetry.ReasonInvalid] == 0 || st.DroppedByReason[telemetry.ReasonSampled] == 0 {
		t.Fatalf("stats %v", st)
	}
	t.Logf("%d snapshots; %v", snapshots, st)
}

// goid returns the current goroutine's id, parsed from its stack header.
func goid() string {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(string(buf[:n]))
	return f[1]
}

func TestCallbacksAggregatedOffTrackGoroutine(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	var calls atomic.Int64
	var total atomic.Uint64
	var mu sync.Mutex
	callbackGoroutines := map[string]bool{}
	cfg.OnDrop = func(r telemetry.DropReport) {
		calls.Add(1)
		mu.Lock()
		callbackGoroutines[goid()] = true
		mu.Unlock()
		if r.Reason == telemetry.ReasonInvalid {
			total.Add(r.Count)
		}
		panic("boom") // must not kill the emitter
	}
	e := mustNew(t, cfg)
	trackG := goid()
	for range 1000 {
		_ = e.Track(&pecta.Event{})
	}
	waitFor(t, 5*time.Second, "drop report", func() bool { return total.Load() == 1000 })
	if calls.Load() >= 1000 {
		t.Fatalf("%d OnDrop calls for 1000 drops: not aggregated", calls.Load())
	}
	trackAll(t, e, 1, 10)
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := e.Stats(); st.CallbackPanics == 0 || st.Sent != 10 {
		t.Fatalf("stats %v panics %d", st, st.CallbackPanics)
	}
	mu.Lock()
	defer mu.Unlock()
	if callbackGoroutines[trackG] || len(callbackGoroutines) != 1 {
		t.Fatalf("callbacks ran on %v; Track ran on %s", callbackGoroutines, trackG)
	}
}
