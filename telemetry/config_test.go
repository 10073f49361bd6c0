package telemetry_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

func TestConfigErrors(t *testing.T) {
	base := func() telemetry.Config {
		return telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), BaseURL: "http://127.0.0.1:1"}
	}
	tests := []struct {
		name  string
		edit  func(*telemetry.Config)
		field string
	}{
		{"no key", func(c *telemetry.Config) { c.PublishableKey = pecta.NewAPIKey("") }, "PublishableKey"},
		{"secret as publishable", func(c *telemetry.Config) { c.PublishableKey = pecta.NewAPIKey(testSK) }, "PublishableKey"},
		{"malformed publishable", func(c *telemetry.Config) { c.PublishableKey = pecta.NewAPIKey("pk_live_short") }, "PublishableKey"},
		{"publishable as secret", func(c *telemetry.Config) { c.SecretKey = pecta.NewAPIKey(testPK) }, "SecretKey"},
		{"malformed secret", func(c *telemetry.Config) { c.SecretKey = pecta.NewAPIKey(testSK + "x") }, "SecretKey"},
		{"bad URL", func(c *telemetry.Config) { c.BaseURL = "ftp://x" }, "BaseURL"},
		{"plaintext remote", func(c *telemetry.Config) { c.BaseURL = "http://example.com" }, "BaseURL"},
		{"URL credentials", func(c *telemetry.Config) { c.BaseURL = "https://u:p@example.com" }, "BaseURL"},
		{"batch too big", func(c *telemetry.Config) { c.BatchSize = 101 }, "BatchSize"},
		{"batch negative", func(c *telemetry.Config) { c.BatchSize = -1 }, "BatchSize"},
		{"interval negative", func(c *telemetry.Config) { c.FlushInterval = -time.Second }, "FlushInterval"},
		{"queue too small", func(c *telemetry.Config) { c.MaxQueueBytes = 1000 }, "MaxQueueBytes"},
		{"overflow", func(c *telemetry.Config) { c.Overflow = 7 }, "Overflow"},
		{"sample > 1", func(c *telemetry.Config) { c.SampleRate = 1.5 }, "SampleRate"},
		{"sample NaN", func(c *telemetry.Config) { c.SampleRate = math.NaN() }, "SampleRate"},
		{"budget negative", func(c *telemetry.Config) { c.RetryBudget = -1 }, "RetryBudget"},
		{"backoff order", func(c *telemetry.Config) { c.RetryWaitMin, c.RetryWaitMax = time.Second, time.Millisecond }, "RetryWaitMax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.edit(&c)
			e, err := telemetry.New(c)
			var ce *telemetry.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				if e != nil {
					e.Close(t.Context())
				}
				t.Fatalf("New: %v, want a ConfigError on %s", err, tt.field)
			}
			for _, k := range []string{testPK, testSK, testPK[8:], testSK[8:]} {
				if strings.Contains(err.Error(), k) {
					t.Fatalf("error %q echoes a key", err)
				}
			}
		})
	}
	e, err := telemetry.New(telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://example.com", InsecureHTTP: true})
	if err != nil {
		t.Fatalf("InsecureHTTP: %v", err)
	}
	e.Close(t.Context())
}

// A duration given as a bare number is a unit mistake (FlushInterval: 5,
// meant as seconds, used to be accepted as 5ns and spin): it is refused
// with a hint naming the unit that is valid and nearer the field's default.
// The hint's text is the contract: it is what the user reads.
func TestDurationUnitMistakesRefused(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*telemetry.Config)
		hint  string
	}{
		{"FlushInterval", func(c *telemetry.Config) { c.FlushInterval = 1 }, "1*time.Second"},
		{"FlushInterval", func(c *telemetry.Config) { c.FlushInterval = 5 }, "5*time.Second"}, // 5ms is below the minimum
		{"FlushInterval", func(c *telemetry.Config) { c.FlushInterval = 500 }, "500*time.Millisecond"},
		{"FlushInterval", func(c *telemetry.Config) { c.FlushInterval = 500_000 }, "500000*time.Millisecond"},
		{"RequestTimeout", func(c *telemetry.Config) { c.RequestTimeout = 10 }, "10*time.Second"},
		{"RetryBudget", func(c *telemetry.Config) { c.RetryBudget = 120 }, "120*time.Second"},
		{"RetryWaitMin", func(c *telemetry.Config) { c.RetryWaitMin = 1 }, "1*time.Second"},
		{"RetryWaitMin", func(c *telemetry.Config) { c.RetryWaitMin = 250 }, "250*time.Millisecond"}, // default 250ms
		{"RetryWaitMax", func(c *telemetry.Config) { c.RetryWaitMax = 8 }, "8*time.Second"},          // default 8s
		{"RetryWaitMax", func(c *telemetry.Config) { c.RetryWaitMin, c.RetryWaitMax = time.Millisecond, 8 }, "8*time.Second"},
		{"RetryAfterCap", func(c *telemetry.Config) { c.RetryAfterCap = 30 }, "30*time.Second"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.hint, func(t *testing.T) {
			cfg := telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://127.0.0.1:1"}
			tt.edit(&cfg)
			e, err := telemetry.New(cfg)
			var ce *telemetry.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !strings.Contains(ce.Reason, tt.hint) {
				if e != nil {
					e.Close(t.Context())
				}
				t.Fatalf("New = %v, want a ConfigError on %s suggesting %s", err, tt.field, tt.hint)
			}
		})
	}
	// the minimums themselves are accepted
	e, err := telemetry.New(telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://127.0.0.1:1",
		FlushInterval: 10 * time.Millisecond, RequestTimeout: 10 * time.Millisecond, RetryBudget: 10 * time.Millisecond,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, RetryAfterCap: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// The BaseURL errors name their fix; that text is the contract.
func TestInsecureHTTPErrorNamesTheField(t *testing.T) {
	_, err := telemetry.New(telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://example.com"})
	var ce *telemetry.ConfigError
	if !errors.As(err, &ce) || ce.Field != "BaseURL" || !strings.Contains(ce.Reason, "InsecureHTTP") ||
		strings.Contains(ce.Reason, "WithInsecureHTTP") {
		t.Fatalf("New = %v, want a BaseURL error naming the InsecureHTTP field", err)
	}
}

// A base URL with the API version, a query or a fragment is refused at
// construction, naming the fix (the check is the client's, shared).
func TestBaseURLWithPathRefused(t *testing.T) {
	srv := newServer(t)
	for _, u := range []string{srv.URL + "/v1", srv.URL + "/v1/", srv.URL + "?x=1", srv.URL + "#top"} {
		cfg := testConfig(srv)
		cfg.BaseURL = u
		e, err := telemetry.New(cfg)
		var ce *telemetry.ConfigError
		if !errors.As(err, &ce) || ce.Field != "BaseURL" || !strings.Contains(ce.Reason, `use "`+srv.URL+`"`) {
			if e != nil {
				e.Close(t.Context())
			}
			t.Fatalf("New(BaseURL %q) = %v, want a BaseURL error naming %s", u, err, srv.URL)
		}
	}
	cfg := testConfig(srv)
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

// A Config encodes as JSON with its keys as previews and without the
// callbacks, clients and interfaces, and a JSON file with full keys
// decodes into one (Overflow by name).
func TestConfigJSON(t *testing.T) {
	cfg := telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), Overflow: telemetry.DropOldest,
		FlushInterval: time.Second, OnDrop: func(telemetry.DropReport) {}, Logger: slog.Default()}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"PublishableKey":"pk_live_...aaa1"`, `"Overflow":"drop_oldest"`, `"FlushInterval":1000000000`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("json %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), testSK[8:]) {
		t.Fatalf("json shows a key: %s", b)
	}
	in := `{"PublishableKey":"` + testPK + `","Overflow":"drop_oldest","BatchSize":10,"FlushInterval":2000000000}`
	var back telemetry.Config
	if err := json.Unmarshal([]byte(in), &back); err != nil {
		t.Fatal(err)
	}
	if back.PublishableKey != pecta.NewAPIKey(testPK) || back.Overflow != telemetry.DropOldest || back.BatchSize != 10 || back.FlushInterval != 2*time.Second {
		t.Fatalf("decoded %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"Overflow":"drop_all"}`), &back); err == nil {
		t.Fatal("an unknown policy decoded")
	}
}

// NewNop's emitter accepts everything, sends nothing and reports nothing.
func TestNop(t *testing.T) {
	e := telemetry.NewNop()
	ev := event("a", 1)
	if e.Track(ev) != nil || e.Track(nil) != nil || e.TrackResult(nil) != nil {
		t.Fatal("Track on the nop emitter refused an event")
	}
	if e.Flush(t.Context()) != nil || e.Close(t.Context()) != nil || e.Close(t.Context()) != nil {
		t.Fatal("Flush or Close on the nop emitter failed")
	}
	if !errors.Is(e.SyncSpool(t.Context()), telemetry.ErrNoSpool) || e.Stats().Tracked != 0 || e.AgentSampleRate("a") != 1 {
		t.Fatalf("nop: %v", e.Stats())
	}
	if got := testing.AllocsPerRun(100, func() { _ = e.Track(ev) }); got != 0 {
		t.Fatalf("Track on the nop emitter allocates %v", got)
	}
}
