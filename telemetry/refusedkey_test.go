package telemetry_test

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// A key the server refuses: loud on the first batch (Flush's error, one
// OnError call, one ERROR record on slog.Default when no Logger is set),
// then probed at a growing interval until it is accepted again.

const wrongPK = "pk_live_WRONGKEYddddddddddddddddddddddd4"

func TestWrongKeyIsLoudOnFirstFlush(t *testing.T) {
	logs := captureDefaultLog(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.PublishableKey = pecta.NewAPIKey(wrongPK)
	cfg.BatchSize = 1
	var mu sync.Mutex
	var errs []error
	cfg.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	e := mustNew(t, cfg)

	trackAll(t, e, 1, 50) // 50 batches of one event
	err := e.Flush(t.Context())
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || ue.Op != "flush" || ue.Events != 50 || ue.ByReason["rejected:auth_invalid"] != 50 {
		t.Fatalf("Flush = %v, want 50 undelivered as rejected:auth_invalid", err)
	}
	if !errors.Is(err, telemetry.ErrKeyRejected) || !errors.Is(err, pecta.ErrAuthInvalid) {
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
	if !errors.As(err, &ue) || ue.Op != "close" || ue.Events != 55 || !errors.Is(err, telemetry.ErrKeyRejected) {
		t.Fatalf("Close = %v, want all 55 undelivered events reported", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.DroppedByReason["rejected:auth_invalid"] != 55 || st.Sent != 0 {
		t.Fatalf("stats %v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 || !errors.Is(errs[0], telemetry.ErrKeyRejected) {
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

// While the key is refused the emitter probes at a growing interval and
// resumes delivery when a probe succeeds. Every event is counted.
func TestRefusedKeyProbesAndRecovers(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.BatchSize = 1
	e, err := telemetry.NewWithProbeBounds(cfg, 20*time.Millisecond, 80*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeNow(t, e, 5*time.Second) })
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
