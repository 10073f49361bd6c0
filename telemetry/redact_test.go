package telemetry_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

func TestRedaction(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := newServer(t)
	cfg := testConfig(srv)
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
	_, err := telemetry.New(telemetry.Config{PublishableKey: pecta.NewAPIKey(testSK)})
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
