package telemetry_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// Server faults and answers: retries, rejections, 429 pauses, outages, and
// answers that confirm fewer events than were sent.

func TestRetriesResendIdenticalBodyAndSignature(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, testConfig(srv))
	srv.FailNext(2, 503, 0)
	srv.ResetNext(1)
	trackAll(t, e, 1, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := ingestRequests(srv)
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4 (3 failures + success)", len(reqs))
	}
	sig := reqs[0].Header.Get(telemetry.SignatureHeader)
	for i, r := range reqs {
		if string(r.Body) != string(reqs[0].Body) || r.Header.Get(telemetry.SignatureHeader) != sig {
			t.Fatalf("attempt %d differs from the first", i)
		}
		if !r.SignatureValid {
			t.Fatalf("attempt %d: invalid signature", i)
		}
	}
	st := e.Stats()
	if st.Retries != 3 || st.Sent != 10 || len(srv.Ingested()) != 10 {
		t.Fatalf("stats %v", st)
	}
}

func TestRejected4xxDroppedWithReason(t *testing.T) {
	tests := []struct {
		name   string
		opts   []pectatest.Option
		reason string
		is     error
	}{
		{"wrong secret", []pectatest.Option{pectatest.WithKeys(testPK, "sk_live_OTHERcccccccccccccccccccccccccc3")}, "rejected:hmac_invalid", pecta.ErrHMACInvalid},
		{"no secret on file", []pectatest.Option{pectatest.WithKeys(testPK, "")}, "rejected:hmac_no_secret", pecta.ErrHMACNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := pectatest.NewServer(append([]pectatest.Option{pectatest.WithoutRateLimits()}, tt.opts...)...)
			defer srv.Close()
			cfg := testConfig(srv)
			cfg.SecretKey = pecta.NewAPIKey(testSK)
			var mu sync.Mutex
			var errs []error
			var drops []telemetry.DropReport
			cfg.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
			cfg.OnDrop = func(r telemetry.DropReport) { mu.Lock(); drops = append(drops, r); mu.Unlock() }
			e := mustNew(t, cfg)
			trackAll(t, e, 1, 5)
			err := closeNow(t, e, 5*time.Second)
			var ue *telemetry.UndeliveredError
			if !errors.As(err, &ue) || ue.Events != 5 {
				t.Fatalf("Close: %v", err)
			}
			st := e.Stats()
			checkInvariant(t, st)
			if st.DroppedByReason[tt.reason] != 5 || st.Retries != 0 {
				t.Fatalf("stats %v", st)
			}
			if len(ingestRequests(srv)) != 1 {
				t.Fatal("a rejected batch was retried")
			}
			if !errors.Is(st.LastError, tt.is) {
				t.Fatalf("LastError %v", st.LastError)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(errs) != 1 || !errors.Is(errs[0], tt.is) {
				t.Fatalf("OnError got %v", errs)
			}
			if len(drops) != 1 || drops[0].Reason != tt.reason || drops[0].Count != 5 {
				t.Fatalf("OnDrop got %+v", drops)
			}
		})
	}
}

func TestRateLimitPausesAllSending(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.BatchSize = 10
	e := mustNew(t, cfg)
	srv.FailNext(1, 429, time.Second)
	start := time.Now()
	trackAll(t, e, 1, 10) // one batch: gets the 429
	waitFor(t, 5*time.Second, "the 429", func() bool { return e.Stats().Retries >= 1 })
	// intake continues during the pause
	trackAll(t, e, 2, 20)
	if st := e.Stats(); st.PausedUntil.IsZero() && time.Since(start) < 900*time.Millisecond {
		t.Fatalf("not paused after a 429: %v", st)
	}
	if err := closeNow(t, e, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	reqs := ingestRequests(srv)
	if reqs[0].Status != 429 {
		t.Fatalf("first status %d", reqs[0].Status)
	}
	for _, r := range reqs[1:] {
		if gap := r.Received.Sub(reqs[0].Received); gap < 900*time.Millisecond {
			t.Fatalf("request sent %v after the 429, before its Retry-After", gap)
		}
	}
	if got := len(srv.Ingested()); got != 50 {
		t.Fatalf("ingested %d", got)
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.RetryAfterCap = 100 * time.Millisecond
	e := mustNew(t, cfg)
	srv.FailNext(1, 429, time.Hour)
	trackAll(t, e, 1, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v (Retry-After not capped?)", err)
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.MaxRetries = 2
	e := mustNew(t, cfg)
	srv.FailNext(3, 500, 0)
	trackAll(t, e, 1, 4)
	err := e.Flush(context.Background())
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || ue.Events != 4 || ue.ByReason[telemetry.ReasonRetriesExhausted] != 4 || !errors.Is(err, pecta.ErrServer) {
		t.Fatalf("Flush = %v, want 4 undelivered (retries_exhausted), matching pecta.ErrServer", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.DroppedByReason[telemetry.ReasonRetriesExhausted] != 4 || st.Retries != 2 || !errors.Is(st.LastError, pecta.ErrServer) {
		t.Fatalf("stats %v (last error %v)", st, st.LastError)
	}
}

func TestChaosNoLossWithinBound(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.BatchSize = 20
	e := mustNew(t, cfg)
	const goroutines, n = 4, 500
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // faults while events flow
		defer wg.Done()
		srv.ResetNext(3)
		srv.FailNext(3, 503, 0)
		srv.FailNext(1, 429, time.Second)
		srv.FailNext(2, 502, 0)
		srv.SetLatency(30 * time.Millisecond)
		<-time.After(100 * time.Millisecond)
		srv.SetLatency(0)
		srv.Down()
		<-time.After(200 * time.Millisecond)
		if err := srv.Up(); err != nil {
			t.Errorf("Up: %v", err)
		}
	}()
	trackAll(t, e, goroutines, n)
	wg.Wait()
	if err := closeNow(t, e, 20*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Sent != goroutines*n || st.Dropped != 0 || st.Retries == 0 {
		t.Fatalf("stats %v", st)
	}
	checkDelivered(t, srv, goroutines, n, uint64(cfg.BatchSize)*st.Retries)
}

// answeringServer starts an ingest endpoint that answers every request
// with answer(w, r, n), n the number of events in the request's body, and
// counts the requests.
func answeringServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) (url string, requests *atomic.Int32) {
	t.Helper()
	requests = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		requests.Add(1)
		answer(w, r, strings.Count(string(body), `"agent_id"`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, requests
}

func TestNotAcceptedCounted(t *testing.T) {
	url, _ := answeringServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"accepted":` + strconv.Itoa(n-3) + `,"reputation_updates":[]}`))
	})
	e := mustNew(t, telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: url, RequestsPerMinute: -1, FlushInterval: time.Hour})
	for i := range 10 {
		if err := e.Track(event("na", i)); err != nil {
			t.Fatal(err)
		}
	}
	err := e.Flush(context.Background())
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || ue.Op != "flush" || ue.Events != 3 || ue.ByReason[telemetry.ReasonNotAccepted] != 3 {
		t.Fatalf("Flush = %v, want 3 undelivered (not_accepted)", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Sent != 7 || st.DroppedByReason[telemetry.ReasonNotAccepted] != 3 {
		t.Fatalf("stats %v", st)
	}
}

// A 2xx that does not confirm a count used to be counted as Sent, silently.
func TestUnconfirmedDeliveriesCountedAndReportedOnce(t *testing.T) {
	tests := []struct {
		name string
		body func(w http.ResponseWriter, r *http.Request, n int)
	}{
		{"garbage", func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.WriteHeader(202)
			w.Write([]byte("<html>ok</html>"))
		}},
		{"empty", func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(202) }},
		{"accepted > sent", func(w http.ResponseWriter, _ *http.Request, n int) {
			w.WriteHeader(202)
			w.Write([]byte(`{"accepted":` + strconv.Itoa(n+5) + `}`))
		}},
		{"truncated by the timeout", func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(202)
			w.Write([]byte(`{"accepted":`))
			w.(http.Flusher).Flush()
			<-r.Context().Done() // the client's RequestTimeout ends it
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, requests := answeringServer(t, tt.body)
			var mu sync.Mutex
			var errs []error
			e := mustNew(t, telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: url, RequestsPerMinute: -1,
				BatchSize: 3, RequestTimeout: 300 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
				OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }})
			trackAll(t, e, 1, 6) // two batches or more
			if err := e.Flush(t.Context()); err != nil {
				t.Fatalf("Flush = %v: unconfirmed events are not lost", err)
			}
			if err := closeNow(t, e, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			st := e.Stats()
			checkInvariant(t, st)
			if st.Unconfirmed != 6 || st.Sent != 0 || st.Dropped != 0 || st.Retries != 0 || uint64(requests.Load()) != st.Batches {
				t.Fatalf("stats %v unconfirmed %d, %d requests", st, st.Unconfirmed, requests.Load())
			}
			mu.Lock()
			defer mu.Unlock()
			if len(errs) != 1 {
				t.Fatalf("OnError called %d times (%v), want once", len(errs), errs)
			}
		})
	}
}
