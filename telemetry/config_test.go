package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestConfigErrors(t *testing.T) {
	base := func() Config {
		return Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), BaseURL: "http://127.0.0.1:1"}
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no key", func(c *Config) { c.PublishableKey = pecta.NewAPIKey("") }, "PublishableKey"},
		{"secret as publishable", func(c *Config) { c.PublishableKey = pecta.NewAPIKey(testSK) }, "PublishableKey"},
		{"malformed publishable", func(c *Config) { c.PublishableKey = pecta.NewAPIKey("pk_live_short") }, "PublishableKey"},
		{"publishable as secret", func(c *Config) { c.SecretKey = pecta.NewAPIKey(testPK) }, "SecretKey"},
		{"malformed secret", func(c *Config) { c.SecretKey = pecta.NewAPIKey(testSK + "x") }, "SecretKey"},
		{"bad URL", func(c *Config) { c.BaseURL = "ftp://x" }, "BaseURL"},
		{"plaintext remote", func(c *Config) { c.BaseURL = "http://example.com" }, "BaseURL"},
		{"URL credentials", func(c *Config) { c.BaseURL = "https://u:p@example.com" }, "BaseURL"},
		{"batch too big", func(c *Config) { c.BatchSize = 101 }, "BatchSize"},
		{"batch negative", func(c *Config) { c.BatchSize = -1 }, "BatchSize"},
		{"interval negative", func(c *Config) { c.FlushInterval = -time.Second }, "FlushInterval"},
		{"queue too small", func(c *Config) { c.MaxQueueBytes = 1000 }, "MaxQueueBytes"},
		{"overflow", func(c *Config) { c.Overflow = 7 }, "Overflow"},
		{"sample > 1", func(c *Config) { c.SampleRate = 1.5 }, "SampleRate"},
		{"sample NaN", func(c *Config) { c.SampleRate = math.NaN() }, "SampleRate"},
		{"budget negative", func(c *Config) { c.RetryBudget = -1 }, "RetryBudget"},
		{"backoff order", func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = time.Second, time.Millisecond }, "RetryWaitMax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.edit(&c)
			e, err := New(c)
			var ce *ConfigError
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
	e, err := New(Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://example.com", InsecureHTTP: true})
	if err != nil {
		t.Fatalf("InsecureHTTP: %v", err)
	}
	e.Close(t.Context())
}

func TestDefaults(t *testing.T) {
	c := Config{PublishableKey: pecta.NewAPIKey(testPK)}
	s, err := c.settings()
	if err != nil {
		t.Fatal(err)
	}
	if s.batchSize != 100 || s.flushInterval != 5*time.Second || s.maxQueueBytes != 8<<20 ||
		s.overflow != DropNewest || s.sampleRate != 1 || s.requestsPerMin != 500 ||
		s.retryAfterCap != time.Minute || s.sampling != samplingAdaptive || s.budget == nil || s.baseURL != pecta.DefaultBaseURL || s.logger != nil {
		t.Fatalf("defaults %+v", s)
	}
}

func TestRedaction(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := newServer(t)
	cfg := fastConfig(srv)
	cfg.Logger = logger
	cfg.MaxRetries = 1
	e := mustNew(t, cfg)
	srv.FailNext(2, 503, 0) // some logging
	trackAll(t, e, 1, 3)
	_ = e.Flush(t.Context())
	// Close joins the senders, so nothing writes to logs any more: Flush
	// returns when batches are settled, before their log lines are written.
	_ = closeNow(t, e, 5*time.Second)

	var out strings.Builder
	for _, v := range []any{cfg, &cfg, e} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	fmt.Fprintln(&out, e.String(), e.GoString())
	logger.Info("config", "cfg", cfg, "emitter", e)
	_, err := New(Config{PublishableKey: pecta.NewAPIKey(testSK)})
	fmt.Fprintln(&out, err)
	st := e.Stats()
	fmt.Fprintf(&out, "%v %+v\n", st, st)
	all := out.String() + logs.String()
	for _, k := range []string{testPK, testSK, testPK[8:], testSK[8:], testSK[8:20]} {
		if strings.Contains(all, k) {
			t.Fatalf("output contains key material %q:\n%s", k, all)
		}
	}
	if !strings.Contains(all, "pk_live_...aaa1") || !strings.Contains(all, "sk_live_...bbb2") {
		t.Fatalf("no previews in output:\n%s", all)
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("expected retry logs, got %s", logs.String())
	}
}

// A duration given as a bare number is a unit mistake: the hint names the
// unit that is valid and nearer the field's default.
func TestDurationHintNamesTheUnit(t *testing.T) {
	base := Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://127.0.0.1:1"}
	tests := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.RetryWaitMin = 250 }, "250*time.Millisecond"}, // default 250ms
		{func(c *Config) { c.RetryWaitMax = 8 }, "8*time.Second"},          // default 8s
		{func(c *Config) { c.FlushInterval = 5 }, "5*time.Second"},         // 5ms is below the minimum
		{func(c *Config) { c.RequestTimeout = 10 }, "10*time.Second"},
		{func(c *Config) { c.RetryBudget = 120 }, "120*time.Second"},
		{func(c *Config) { c.FlushInterval = 500 }, "500*time.Millisecond"},
	}
	for _, tt := range tests {
		c := base
		tt.edit(&c)
		_, err := New(c)
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(ce.Reason, tt.want) {
			t.Errorf("%v: want a hint of %s", err, tt.want)
		}
	}
}

// A Config encodes as JSON with its keys as previews and without the
// callbacks, clients and interfaces, and a JSON file with full keys
// decodes into one (Overflow by name).
func TestConfigJSON(t *testing.T) {
	cfg := Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), Overflow: DropOldest,
		FlushInterval: time.Second, OnDrop: func(DropReport) {}, Logger: slog.Default()}
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
	var back Config
	if err := json.Unmarshal([]byte(in), &back); err != nil {
		t.Fatal(err)
	}
	if back.PublishableKey != pecta.NewAPIKey(testPK) || back.Overflow != DropOldest || back.BatchSize != 10 || back.FlushInterval != 2*time.Second {
		t.Fatalf("decoded %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"Overflow":"drop_all"}`), &back); err == nil {
		t.Fatal("an unknown policy decoded")
	}
}

// NewNop's emitter accepts everything, sends nothing and reports nothing.
func TestNop(t *testing.T) {
	e := NewNop()
	ev := event("a", 1)
	if e.Track(ev) != nil || e.Track(nil) != nil || e.TrackResult(nil) != nil {
		t.Fatal("Track on the nop emitter refused an event")
	}
	if e.Flush(t.Context()) != nil || e.Close(t.Context()) != nil || e.Close(t.Context()) != nil {
		t.Fatal("Flush or Close on the nop emitter failed")
	}
	if !errors.Is(e.SyncSpool(t.Context()), ErrNoSpool) || e.Stats().Tracked != 0 || e.AgentSampleRate("a") != 1 {
		t.Fatalf("nop: %v", e.Stats())
	}
	if got := testing.AllocsPerRun(100, func() { _ = e.Track(ev) }); got != 0 {
		t.Fatalf("Track on the nop emitter allocates %v", got)
	}
}
