package telemetry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// A misconfigured emitter must be loud on the first batch: Flush's error,
// one OnError call, one ERROR record on slog.Default when no Logger is set.

const wrongPK = "pk_live_WRONGKEYddddddddddddddddddddddd4"

// captureDefaultLog points slog.Default at a buffer for the test.
func captureDefaultLog(t *testing.T) *syncBuffer {
	t.Helper()
	old := slog.Default()
	buf := &syncBuffer{}
	slog.SetDefault(slog.New(slog.NewJSONHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newWithSettings is New with settings edited after validation (probe
// intervals are not part of Config).
func newWithSettings(t *testing.T, cfg Config, edit func(*settings)) *Emitter {
	t.Helper()
	set, err := cfg.settings()
	if err != nil {
		t.Fatal(err)
	}
	edit(&set)
	send, own, err := newClientSender(&set)
	if err != nil {
		t.Fatal(err)
	}
	e := startEmitter(set, nil, send)
	e.life.ownHTTP = own
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Close(ctx)
	})
	return e
}

func TestWrongKeyIsLoudOnFirstFlush(t *testing.T) {
	logs := captureDefaultLog(t)
	srv := newServer(t)
	cfg := fastConfig(srv)
	cfg.PublishableKey = pecta.NewAPIKey(wrongPK)
	cfg.BatchSize = 1
	var mu sync.Mutex
	var errs []error
	cfg.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	e := mustNew(t, cfg)

	trackAll(t, e, 1, 50) // 50 batches of one event
	err := e.Flush(t.Context())
	var ue *UndeliveredError
	if !errors.As(err, &ue) || ue.Op != "flush" || ue.Events != 50 || ue.ByReason["rejected:auth_invalid"] != 50 {
		t.Fatalf("Flush = %v, want 50 undelivered as rejected:auth_invalid", err)
	}
	if !errors.Is(err, ErrKeyRejected) || !errors.Is(err, pecta.ErrAuthInvalid) {
		t.Fatalf("Flush error %v does not match ErrKeyRejected and pecta.ErrAuthInvalid", err)
	}
	// slow probing: not one request per batch (the old behaviour sent 50)
	if n := len(ingestRequests(srv)); n > 2 {
		t.Fatalf("%d ingest requests for 50 batches with a refused key", n)
	}
	// a second Flush with no new loss returns nil; Close still reports
	if err := e.Flush(t.Context()); err != nil {
		t.Fatalf("second Flush = %v, want nil (nothing new lost)", err)
	}
	trackAll(t, e, 1, 5)
	err = closeNow(t, e, 5*time.Second)
	if !errors.As(err, &ue) || ue.Op != "close" || ue.Events != 55 || !errors.Is(err, ErrKeyRejected) {
		t.Fatalf("Close = %v, want all 55 undelivered events reported", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.DroppedByReason["rejected:auth_invalid"] != 55 || st.Sent != 0 {
		t.Fatalf("stats %v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 || !errors.Is(errs[0], ErrKeyRejected) {
		t.Fatalf("OnError got %d calls %v, want one ErrKeyRejected", len(errs), errs)
	}
	out := logs.String()
	if strings.Count(out, `"level":"ERROR"`) != 1 || !strings.Contains(out, "pk_live_...ddd4") ||
		!strings.Contains(out, "auth_invalid") || strings.Count(out, "\n") != 1 {
		t.Fatalf("default log, want exactly one ERROR record naming the key preview:\n%s", out)
	}
	if strings.Contains(out, wrongPK[8:]) || strings.Contains(errs[0].Error(), wrongPK[8:]) {
		t.Fatal("key material in the log or error")
	}
}

func TestCloseAfterFlushStillReportsLoss(t *testing.T) {
	srv := newServer(t)
	cfg := fastConfig(srv)
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
	var ue *UndeliveredError
	if !errors.As(err, &ue) || ue.Events != 3 || ue.ByReason[ReasonRetriesExhausted] != 3 || !errors.Is(err, pecta.ErrServer) {
		t.Fatalf("Close = %v, want the 3 events Flush already reported", err)
	}
}

// While the key is refused the emitter probes at a growing interval and
// resumes delivery when a probe succeeds. Every event is counted.
func TestRefusedKeyProbesAndRecovers(t *testing.T) {
	srv := newServer(t)
	cfg := fastConfig(srv)
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.BatchSize = 1
	e := newWithSettings(t, cfg, func(s *settings) {
		s.authProbeMin, s.authProbeMax = 20*time.Millisecond, 80*time.Millisecond
	})
	const refusals = 4 // the first batch and three probes
	srv.FailNextRaw(refusals, 401, `{"error":"key revoked","code":"auth_revoked"}`, nil)
	// one batch first, so that no second batch is in flight when the
	// first refusal closes the gate
	if err := e.Track(event("probe", 0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the first refusal", func() bool { return e.Stats().Dropped == 1 })
	sent := 1
	for e.Stats().Sent == 0 {
		if sent > 5000 {
			t.Fatal("delivery never resumed")
		}
		if err := e.Track(event("probe", sent)); err != nil {
			t.Fatal(err)
		}
		sent++
		poll()
	}
	if err := e.Flush(t.Context()); err == nil {
		t.Fatal("Flush = nil after refused batches")
	}
	reqs := ingestRequests(srv)
	if reqs[refusals-1].Status != 401 || reqs[refusals].Status != 202 {
		t.Fatalf("statuses %d %d", reqs[refusals-1].Status, reqs[refusals].Status)
	}
	// probes are spaced by the growing interval, not one per batch
	for i := 1; i < refusals; i++ {
		want := min(20*time.Millisecond<<(i-1), 80*time.Millisecond)
		if gap := reqs[i].Received.Sub(reqs[i-1].Received); gap < want {
			t.Fatalf("probe %d sent %v after the previous refusal, want >= %v", i, gap, want)
		}
	}
	// after recovery every batch is sent again
	trackAll(t, e, 1, 20)
	if err := e.Flush(t.Context()); err != nil {
		t.Fatalf("Flush after recovery = %v", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.DroppedByReason["rejected:auth_revoked"] == 0 || st.Sent < 21 ||
		st.Sent+st.DroppedByReason["rejected:auth_revoked"] != uint64(sent+20) {
		t.Fatalf("stats %v (tracked %d)", st, sent+20)
	}
}

// FlushInterval: 5 (meant as seconds) used to be accepted as 5ns and spin.
func TestDurationUnitMistakesRefused(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*Config)
		hint  string
	}{
		{"FlushInterval", func(c *Config) { c.FlushInterval = 1 }, "1*time.Second"},
		{"FlushInterval", func(c *Config) { c.FlushInterval = 5 }, "5*time.Second"},
		{"FlushInterval", func(c *Config) { c.FlushInterval = 500_000 }, "500000*time.Millisecond"},
		{"RequestTimeout", func(c *Config) { c.RequestTimeout = 10 }, "10*time.Second"},
		{"RetryBudget", func(c *Config) { c.RetryBudget = 120 }, "120*time.Second"},
		{"RetryWaitMin", func(c *Config) { c.RetryWaitMin = 1 }, "time.Second"},
		{"RetryWaitMax", func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = time.Millisecond, 8 }, "time.Second"},
		{"RetryAfterCap", func(c *Config) { c.RetryAfterCap = 30 }, "30*time.Second"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			cfg := Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://127.0.0.1:1"}
			tt.edit(&cfg)
			e, err := New(cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !strings.Contains(err.Error(), tt.hint) {
				if e != nil {
					e.Close(t.Context())
				}
				t.Fatalf("New = %v, want a ConfigError on %s suggesting %s", err, tt.field, tt.hint)
			}
		})
	}
	// the minimums themselves are accepted
	e, err := New(Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://127.0.0.1:1",
		FlushInterval: 10 * time.Millisecond, RequestTimeout: 10 * time.Millisecond, RetryBudget: 10 * time.Millisecond,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, RetryAfterCap: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestInsecureHTTPErrorNamesTheField(t *testing.T) {
	_, err := New(Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://example.com"})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "BaseURL" || !strings.Contains(err.Error(), "InsecureHTTP") ||
		strings.Contains(err.Error(), "WithInsecureHTTP") {
		t.Fatalf("New = %v, want a BaseURL error naming the InsecureHTTP field", err)
	}
}

// A base URL with the API version, a query or a fragment is refused at
// construction, naming the fix (the check is the client's, shared).
func TestBaseURLWithPathRefused(t *testing.T) {
	srv := newServer(t)
	for _, u := range []string{srv.URL + "/v1", srv.URL + "/v1/", srv.URL + "?x=1", srv.URL + "#top"} {
		cfg := fastConfig(srv)
		cfg.BaseURL = u
		e, err := New(cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "BaseURL" || !strings.Contains(err.Error(), `use "`+srv.URL+`"`) {
			if e != nil {
				e.Close(t.Context())
			}
			t.Fatalf("New(BaseURL %q) = %v, want a BaseURL error naming %s", u, err, srv.URL)
		}
	}
	cfg := fastConfig(srv)
	cfg.MaxRetries = pecta.NoRetries
	e := mustNew(t, cfg)
	srv.FailNext(1, 503, 0)
	trackAll(t, e, 1, 1)
	if err := e.Flush(t.Context()); !errors.Is(err, pecta.ErrServer) {
		t.Fatalf("Flush with NoRetries after a 503 = %v", err)
	}
	if n := len(ingestRequests(srv)); n != 1 {
		t.Fatalf("%d requests with NoRetries", n)
	}
}

func TestNilContext(t *testing.T) {
	e := fakeEmitter(t, Config{RequestsPerMinute: -1}, func(context.Context, []byte, string) (int, error) { return 1, nil })
	var nilCtx context.Context
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
