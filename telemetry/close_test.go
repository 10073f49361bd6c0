package telemetry_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
	"go.uber.org/goleak"
)

// What Flush and Close report, and what Close leaves behind.

func TestCloseAfterFlushStillReportsLoss(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.MaxRetries = -1
	e := mustNew(t, cfg)
	srv.FailNext(1, 500, 0)
	trackAll(t, e, 1, 3)
	if err := e.Flush(t.Context()); err == nil {
		t.Fatal("Flush = nil after a lost batch")
	}
	trackAll(t, e, 1, 4)
	if err := e.Flush(t.Context()); err != nil {
		t.Fatalf("Flush = %v after a clean batch", err)
	}
	err := closeNow(t, e, 5*time.Second)
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || ue.Events != 3 || ue.ByReason[telemetry.ReasonRetriesExhausted] != 3 || !errors.Is(err, pecta.ErrServer) {
		t.Fatalf("Close = %v, want the 3 events Flush already reported", err)
	}
}

// Idle keep-alive connections of the emitter's own HTTP client, and their
// goroutines, used to outlive Close by the transport's 90 s idle timeout.
// The server stays up: nothing but Close ends the connections.
func TestCloseLeavesNoConnectionGoroutines(t *testing.T) {
	srv := newServer(t)
	opt := goleak.IgnoreCurrent()
	for range 3 {
		cfg := testConfig(srv)
		cfg.HTTPClient = nil // the emitter's own, which Close closes
		cfg.BatchSize = 10
		e, err := telemetry.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		trackAll(t, e, 2, 50) // several batches: both senders open connections
		if err := e.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := closeNow(t, e, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		goleak.VerifyNone(t, opt)
	}
}

// A second Close used to return nil at once while the first was still
// draining, and the first then reported lost events.
func TestConcurrentCloseSameOutcome(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(time.Hour) // requests hang until Close's deadline aborts them
	cfg := testConfig(srv)
	cfg.RequestTimeout = time.Hour
	e, err := telemetry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e, 1, 10)
	waitFor(t, 5*time.Second, "a request in flight", func() bool { return e.Stats().InFlight > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	first := make(chan error, 1)
	go func() { first <- e.Close(ctx) }()
	waitFor(t, 5*time.Second, "Close to start", func() bool { return telemetry.Closing(e) })
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = e.Close(context.Background()) }()
	}
	wg.Wait()
	err = <-first
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || ue.Events != 10 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first Close = %v", err)
	}
	for i, got := range append(errs, e.Close(context.Background())) {
		if got != err {
			t.Fatalf("Close #%d = %v, want the first Close's error %v", i+2, got, err)
		}
	}
	// a concurrent Close whose own ctx ends first: TestConcurrentCloseWithEndedContext
}
