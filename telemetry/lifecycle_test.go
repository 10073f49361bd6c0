package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Idle keep-alive connections of the emitter's own HTTP client, and their
// goroutines, used to outlive Close by the transport's 90 s idle timeout.
// The server stays up: nothing but Close ends the connections.
func TestCloseLeavesNoConnectionGoroutines(t *testing.T) {
	srv := newServer(t)
	opt := goleak.IgnoreCurrent()
	for range 3 {
		cfg := fastConfig(srv)
		cfg.BatchSize = 10
		e, err := New(cfg)
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

// countingTransport counts CloseIdleConnections calls.
type countingTransport struct {
	http.RoundTripper
	closes atomic.Int32
}

func (c *countingTransport) CloseIdleConnections() { c.closes.Add(1) }

// A caller's HTTP client is never closed, in New or NewFromClient.
func TestCallersHTTPClientNotClosed(t *testing.T) {
	srv := newServer(t)
	tr := &countingTransport{RoundTripper: http.DefaultTransport.(*http.Transport).Clone()}
	defer tr.RoundTripper.(*http.Transport).CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	cfg := fastConfig(srv)
	cfg.HTTPClient = hc
	e := mustNew(t, cfg)
	trackAll(t, e, 1, 5)
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL), pecta.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	e2, err := NewFromClient(c, Config{RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e2, 1, 5)
	if err := closeNow(t, e2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := tr.closes.Load(); n != 0 {
		t.Fatalf("the caller's transport had its idle connections closed %d times", n)
	}
	if len(srv.Ingested()) != 10 {
		t.Fatalf("ingested %d", len(srv.Ingested()))
	}
}

// A second Close used to return nil at once while the first was still
// draining, and the first then reported lost events.
func TestConcurrentCloseSameOutcome(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(time.Hour) // requests hang until Close's deadline aborts them
	cfg := fastConfig(srv)
	cfg.RequestTimeout = time.Hour
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e, 1, 10)
	waitFor(t, 5*time.Second, "a request in flight", func() bool { return e.Stats().InFlight > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	first := make(chan error, 1)
	go func() { first <- e.Close(ctx) }()
	waitFor(t, 5*time.Second, "Close to start", e.closed.Load)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = e.Close(context.Background()) }()
	}
	wg.Wait()
	err = <-first
	var ue *UndeliveredError
	if !errors.As(err, &ue) || ue.Events != 10 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first Close = %v", err)
	}
	for i, got := range append(errs, e.Close(context.Background())) {
		if got != err {
			t.Fatalf("Close #%d = %v, want the first Close's error %v", i+2, got, err)
		}
	}
	// a concurrent Close whose own ctx ends first says so
	e2 := fakeEmitter(t, Config{RequestsPerMinute: -1}, blockUntilCancelled)
	trackAll(t, e2, 1, 1)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	go func() { first <- e2.Close(ctx2) }()
	waitFor(t, 5*time.Second, "Close to start", e2.closed.Load)
	short, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if err := e2.Close(short); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with an ended ctx during another Close = %v", err)
	}
	<-first
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
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := make([]byte, 1<<16)
				n, _ := r.Body.Read(body)
				requests.Add(1)
				tt.body(w, r, strings.Count(string(body[:n]), `"agent_id"`))
			}))
			defer srv.Close()
			var mu sync.Mutex
			var errs []error
			e := mustNew(t, Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: srv.URL, RequestsPerMinute: -1,
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

func TestNewFromClient(t *testing.T) {
	srv := newServer(t)
	c, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL), pecta.WithSecretKey(srv.SecretKey.Reveal()))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewFromClient(c, Config{RequestsPerMinute: -1, FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e, 2, 100)
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, srv, 2, 100)
	for _, r := range ingestRequests(srv) {
		if !r.Signed || !r.SignatureValid || r.Header.Get("Authorization") != "Bearer "+srv.PublishableKey.Reveal() {
			t.Fatalf("request not signed with the client's secret key or not authorised with its key: %+v", r.Header)
		}
		assertNoSecret(t, r)
	}
	assertNoKey(t, "emitter", e.String()+e.set.pk.String())

	// the pectatest helper: an emitter for a test server in one line
	e3, err := NewFromClient(srv.Client(), Config{RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e3, 1, 3)
	if err := closeNow(t, e3, 5*time.Second); err != nil || e3.Stats().Sent != 3 {
		t.Fatalf("emitter from srv.Client(): %v, %v", err, e3.Stats())
	}

	// refused configurations
	sc, err := pecta.NewClient(srv.SecretKey.Reveal(), pecta.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		c     *pecta.Client
		cfg   Config
		field string
	}{
		"nil client":        {nil, Config{}, "client"},
		"secret-key client": {sc, Config{}, "client"},
		"key set":           {c, Config{PublishableKey: pecta.NewAPIKey(testPK)}, "PublishableKey"},
		"secret set":        {c, Config{SecretKey: pecta.NewAPIKey(testSK)}, "SecretKey"},
		"base URL set":      {c, Config{BaseURL: srv.URL}, "BaseURL"},
		"HTTP client set":   {c, Config{HTTPClient: http.DefaultClient}, "HTTPClient"},
		"invalid setting":   {c, Config{BatchSize: 1000}, "BatchSize"},
	} {
		e, err := NewFromClient(tt.c, tt.cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			if e != nil {
				e.Close(t.Context())
			}
			t.Fatalf("%s: NewFromClient = %v, want a ConfigError on %s", name, err, tt.field)
		}
		assertNoKey(t, name, err.Error())
	}
}
