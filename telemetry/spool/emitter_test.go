package spool_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/spool"
)

func config(t *testing.T, srv *pectatest.Server, dir string) telemetry.Config {
	t.Helper()
	st, err := spool.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return telemetry.Config{
		PublishableKey:    srv.PublishableKey,
		SecretKey:         srv.SecretKey,
		BaseURL:           srv.URL,
		BatchSize:         10,
		FlushInterval:     20 * time.Millisecond,
		RetryWaitMin:      5 * time.Millisecond,
		RetryWaitMax:      50 * time.Millisecond,
		RequestsPerMinute: -1,
		MaxRetries:        1000,
		RetryBudget:       time.Hour,
		SampleRate:        1,
		Spool:             st,
	}
}

// fill tracks n events with the server down and closes the emitter: they
// stay in dir's spool.
func fill(t *testing.T, srv *pectatest.Server, dir string, n int) {
	t.Helper()
	srv.Down()
	defer func() {
		if err := srv.Up(); err != nil {
			t.Fatal(err)
		}
	}()
	em, err := telemetry.New(config(t, srv, dir))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ev := pecta.Event{AgentID: "spool-agent", Tool: "tool-" + strconv.Itoa(i), Passed: true,
			Gates: []pecta.GateResult{{Name: "budget", Passed: true, LatencyMS: 0.5}}}
		if err := em.Track(&ev); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := em.SyncSpool(ctx); err != nil {
		t.Fatal(err)
	}
	cancel() // Close at once: everything stays in the spool
	if err := em.Close(ctx); err != nil {
		t.Fatalf("Close with everything spooled: %v", err)
	}
	if st := em.Stats(); st.SpooledEvents != uint64(n) {
		t.Fatalf("%d of %d events spooled", st.SpooledEvents, n)
	}
}

// The next emitter on the directory delivers what the first one left, with
// the same bytes and signatures, and leaves the spool empty.
func TestRestartDeliversSpooledBatches(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	dir := t.TempDir()
	fill(t, srv, dir, 200)

	em, err := telemetry.New(config(t, srv, dir))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := em.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := em.Stats()
	if st.Replayed != 200 || st.Sent != 200 || len(srv.Ingested()) != 200 {
		t.Fatalf("after restart: %v, %d ingested", st, len(srv.Ingested()))
	}
	for _, r := range srv.Requests() {
		if r.Path == "/v1/ingest" && !r.SignatureValid {
			t.Fatal("a replayed batch was not signed with the secret key")
		}
	}
	again, err := spool.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	n := 0
	_ = again.Scan(func(telemetry.SpoolBatch) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d batches left in the spool", n)
	}
}

// Damage inside the bbolt file (a flipped bit) is caught by the emitter's
// checksum: that batch is skipped with reason spool_corrupt, the rest is
// delivered.
func TestCorruptBatchSkippedRestDelivered(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	dir := t.TempDir()
	fill(t, srv, dir, 100)

	path := filepath.Join(dir, "spool.db")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	needle := []byte(`"tool":"tool-42"`)
	found := 0
	for i := bytes.Index(raw, needle); i >= 0; i = bytes.Index(raw, needle) { // every copy: bbolt may keep stale ones
		raw[i+10] ^= 0x01
		found++
	}
	if found == 0 {
		t.Fatal("event not found in the spool file")
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	em, err := telemetry.New(config(t, srv, dir))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = em.Close(ctx)
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || ue.ByReason[telemetry.ReasonSpoolCorrupt] == 0 || len(ue.ByReason) != 1 {
		t.Fatalf("Close: %v", err)
	}
	st := em.Stats()
	bad := st.DroppedByReason[telemetry.ReasonSpoolCorrupt]
	if st.Replayed != 100 || bad > 10 || st.Sent != 100-bad || len(srv.Ingested()) != int(st.Sent) {
		t.Fatalf("corrupt batch: %v", st)
	}
	for _, ev := range srv.Ingested() {
		if ev.Tool == "tool-42" {
			t.Fatal("an event of the corrupt batch was delivered")
		}
	}
}
