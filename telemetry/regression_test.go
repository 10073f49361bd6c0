package telemetry

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Regression tests for defects found in review. Each failed before its fix.

// fakeEmitter starts an emitter around send, without HTTP.
func fakeEmitter(t testing.TB, cfg Config, send sendFunc) *Emitter {
	t.Helper()
	if cfg.PublishableKey.IsZero() {
		cfg.PublishableKey = pecta.NewAPIKey(testPK)
	}
	set, err := cfg.settings()
	if err != nil {
		t.Fatal(err)
	}
	return newEmitter(set, send)
}

func blockUntilCancelled(ctx context.Context, _ []byte, _ string) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// An event whose timestamp RFC 3339 cannot express used to be accepted and
// then cost its whole batch (the server rejects the batch).
func TestUnencodableTimestampRefusedNotBatchPoison(t *testing.T) {
	srv := newServer(t)
	cfg := fastConfig(srv)
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
	if !errors.Is(err, ErrInvalidEvent) || !errors.As(err, &ve) || ve.Field != "timestamp" {
		t.Fatalf("Track(year 10000) = %v, want an invalid-event error on timestamp", err)
	}
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Sent != 99 || st.DroppedByReason[ReasonInvalid] != 1 {
		t.Errorf("stats %v", st)
	}
}

// Close used to keep encoding and signing every queued batch after its
// deadline, overrunning it by seconds with a large queue.
func TestCloseDeadlineWithFullLargeQueue(t *testing.T) {
	cfg := Config{RequestsPerMinute: -1, SecretKey: pecta.NewAPIKey(testSK), MaxQueueBytes: 64 << 20, RequestTimeout: time.Hour}
	e := fakeEmitter(t, cfg, blockUntilCancelled)
	ev := event("big", 0)
	ev.Gates[2].Reason = strings.Repeat("\x01", 400) // JSON 6x larger than the record
	n := 0
	for e.Track(ev) == nil {
		n++
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.Close(ctx)
	// the bug overran by seconds; 1.5 s leaves room for a loaded CI machine
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("Close(50ms) with %d queued events took %v", n, d)
	}
	var ue *UndeliveredError
	if !errors.As(err, &ue) || ue.Events != uint64(n) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want %d undelivered", err, n)
	}
	checkInvariant(t, e.Stats())
}

// The clock goroutine used to outlive Close.
func TestNoGoroutineOutlivesClose(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	for range 50 {
		e := fakeEmitter(t, Config{RequestsPerMinute: -1}, func(context.Context, []byte, string) (int, error) { return 1, nil })
		_ = e.Track(event("c", 1)) // wakes the clock goroutine
		if err := e.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		goleak.VerifyNone(t, opt)
	}
}

// A slow callback used to hold Close past its deadline.
func TestSlowCallbackDoesNotHoldClose(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var calls atomic.Int32
	cfg := Config{RequestsPerMinute: -1, OnDrop: func(DropReport) {
		calls.Add(1)
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	}}
	e := fakeEmitter(t, cfg, func(context.Context, []byte, string) (int, error) { return 1, nil })
	_ = e.Track(&pecta.Event{}) // invalid: a drop to report
	e.signalNotify()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.Close(ctx)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close(100ms) took %v behind a blocked OnDrop", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still running") {
		t.Errorf("Close = %v, want it to say a callback was still running", err)
	}
	close(release)
	<-e.loopDone // the loop ends once the callback returns
	if n := calls.Load(); n != 1 {
		t.Errorf("OnDrop ran %d times; no callback may start after Close gave up", n)
	}
}

// DropOldest used to evict queued batches and then refuse the new event
// anyway, when eviction could not free enough room.
func TestDropOldestDoesNotEvictForNothing(t *testing.T) {
	block := make(chan struct{})
	cfg := Config{RequestsPerMinute: -1, MaxQueueBytes: minQueueBytes, Overflow: DropOldest, BatchSize: 1, FlushInterval: time.Hour}
	e := fakeEmitter(t, cfg, func(ctx context.Context, _ []byte, _ string) (int, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return 1, nil
	})
	big := event("big", 0)
	big.Gates = make([]pecta.GateResult, 50)
	for i := range big.Gates {
		big.Gates[i] = pecta.GateResult{Name: strings.Repeat("n", 200), Passed: true, Reason: strings.Repeat("r", 500)}
	}
	if err := e.Track(big); err != nil { // in flight on one sender
		t.Fatal(err)
	}
	if err := e.Track(event("s", 1)); err != nil { // in flight on the other
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "two batches in flight", func() bool { return e.Stats().InFlight == 2 })
	if err := e.Track(event("s", 2)); err != nil { // queued: the only evictable batch
		t.Fatal(err)
	}
	err := e.Track(big) // needs more room than evicting can free
	st := e.Stats()
	if errors.Is(err, ErrQueueFull) && st.DroppedByReason[ReasonQueueFull] != 1 {
		t.Errorf("evicted queued events and still refused the new one: %v", st)
	}
	checkInvariant(t, st)
	close(block)
	if err := closeNow(t, e, 5*time.Second); err != nil && !errors.As(err, new(*UndeliveredError)) {
		t.Fatal(err)
	}
}

// After a 429 pause, requests reserved before it plus a full burst used to
// exceed the per-minute limit. Simulated time, two senders with a backlog.
func TestBudgetTwoSendersAcrossPause(t *testing.T) {
	for _, rpm := range []int{5, 10, 20, 60, 500} {
		for _, ra := range []time.Duration{5 * time.Second, 30 * time.Second} {
			b := NewLocalBudgetAtShare(rpm) // the full rate at once
			t0 := time.Unix(1e9, 0)
			b.lim.SetBurstAt(t0, b.burst) // the bucket starts full at t0
			var at [2]time.Time           // when each sender's next request goes out
			next := func(i int, now time.Time) {
				for {
					d, token := b.reserve(now)
					now = now.Add(d)
					if token {
						break
					}
				}
				if pu := b.paused(now); !pu.IsZero() {
					now = pu
				}
				at[i] = now
			}
			next(0, t0)
			next(1, t0)
			var sent []time.Time
			paused := false
			for len(sent) < 3000 {
				i := 0
				if at[1].Before(at[0]) {
					i = 1
				}
				now := at[i]
				if now.Sub(t0) > 10*time.Minute {
					break
				}
				if pu := b.paused(now); !pu.IsZero() {
					next(i, pu)
					continue
				}
				sent = append(sent, now)
				if !paused && now.Sub(t0) > 3*time.Minute {
					paused = true
					b.observeAt(now, ra)
				}
				next(i, now)
			}
			worst, j := 0, 0
			for k := range sent {
				for sent[k].Sub(sent[j]) >= time.Minute {
					j++
				}
				worst = max(worst, k-j+1)
			}
			if worst > rpm {
				t.Errorf("rpm %d, Retry-After %v: %d requests in one 60 s window", rpm, ra, worst)
			}
		}
	}
}
