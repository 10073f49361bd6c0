package telemetry

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"go.uber.org/goleak"
)

// Close from inside: deadlines, goroutines, callbacks, nil contexts.

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

// A slow callback used to hold Close past its deadline. On the bubble's
// clock Close takes its deadline exactly; a Close that waited for the
// callback would leave every goroutine blocked, which synctest reports.
func TestSlowCallbackDoesNotHoldClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
		e := fakeEmitter(t, cfg, acceptAll)
		_ = e.Track(&pecta.Event{}) // invalid: a drop to report
		e.signalNotify()
		<-entered
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := e.Close(ctx)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("Close(100ms) took %v behind a blocked OnDrop", d)
		}
		// the text is the contract: it says why Close gave up
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still running") {
			t.Errorf("Close = %v, want it to say a callback was still running", err)
		}
		close(release)
		<-e.loopDone // the loop ends once the callback returns
		if n := calls.Load(); n != 1 {
			t.Errorf("OnDrop ran %d times; no callback may start after Close gave up", n)
		}
	})
}

func TestNilContext(t *testing.T) {
	e := fakeEmitter(t, Config{RequestsPerMinute: -1}, func(context.Context, []byte, string) (int, error) { return 1, nil })
	var nilCtx context.Context
	// no sentinel to match: the message is all the caller gets
	if err := e.Flush(nilCtx); err == nil || !strings.Contains(err.Error(), "nil context") {
		t.Fatalf("Flush(nil) = %v", err)
	}
	if err := e.Close(nilCtx); err == nil || !strings.Contains(err.Error(), "nil context") {
		t.Fatalf("Close(nil) = %v", err)
	}
	if err := e.Close(t.Context()); err != nil {
		t.Fatalf("Close after Close(nil) = %v", err)
	}
}

// A Close whose own ctx has ended while another Close drains returns at
// once with its ctx's error (the other half of
// TestConcurrentCloseSameOutcome).
func TestConcurrentCloseWithEndedContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := fakeEmitter(t, Config{RequestsPerMinute: -1}, blockUntilCancelled)
		if err := e.Track(event("g0", 0)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		first := make(chan error, 1)
		go func() { first <- e.Close(ctx) }()
		synctest.Wait() // the first Close waits for the request its deadline cancels
		if !e.closed.Load() {
			t.Fatal("Close has not started")
		}
		short, cancel2 := context.WithCancel(context.Background())
		cancel2()
		if err := e.Close(short); !errors.Is(err, context.Canceled) {
			t.Fatalf("Close with an ended ctx during another Close = %v", err)
		}
		<-first
	})
}
