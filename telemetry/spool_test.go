package telemetry_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// spoolConfig is fastConfig with a spool in dir.
func spoolConfig(srv *pectatest.Server, dir string) telemetry.Config {
	cfg := testConfig(srv)
	cfg.Spool = telemetry.DirSpoolAt(dir)
	cfg.MaxRetries = 1000
	cfg.RetryBudget = time.Hour
	return cfg
}

// closeSoon closes e with a short deadline: with the server down, what is
// spooled stays in the spool.
func closeSoon(t testing.TB, e *telemetry.Emitter) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	return e.Close(ctx)
}

// fillSpool tracks n events with the server down and closes the emitter,
// leaving them in dir.
func fillSpool(t *testing.T, srv *pectatest.Server, cfg telemetry.Config, n int) {
	t.Helper()
	srv.Down()
	defer func() {
		if err := srv.Up(); err != nil {
			t.Fatal(err)
		}
	}()
	e, err := telemetry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := e.Track(event("spool-agent", i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.SyncSpool(ctx); err != nil {
		t.Fatal(err)
	}
	if err := closeSoon(t, e); err != nil {
		t.Fatalf("Close with everything spooled: %v", err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.SpooledEvents != uint64(n) || st.Dropped != 0 || st.Sent != 0 || st.Pending != uint64(n) {
		t.Fatalf("after close: %v spooled=%d", st, st.SpooledEvents)
	}
}

func TestSpoolReplaysSameBytesAndSignature(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	fillSpool(t, srv, cfg, 1000)
	recs := telemetry.SpooledRequests(t, dir)
	if len(recs) < 10 {
		t.Fatalf("%d records in the spool, want at least 10 batches", len(recs))
	}
	bodies := map[string]string{}
	for _, r := range recs {
		bodies[string(r.Body)] = r.Sig
	}

	e := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err, e.Stats())
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Replayed != 1000 || st.Sent != 1000 || st.Tracked != 0 || st.SpooledEvents != 0 || st.SpooledBytes != 0 {
		t.Fatalf("replay: %v replayed=%d spooled=%d", st, st.Replayed, st.SpooledEvents)
	}
	n := 0
	for _, r := range srv.Requests() {
		if r.Path != "/v1/ingest" || r.Status/100 != 2 {
			continue
		}
		n++
		sig, ok := bodies[string(r.Body)]
		if !ok || r.Header.Get(telemetry.SignatureHeader) != sig || !r.SignatureValid {
			t.Fatalf("request %d: body or signature differs from the spooled batch", n)
		}
	}
	if n != len(recs) || len(srv.Ingested()) != 1000 {
		t.Fatalf("server got %d batches, %d events", n, len(srv.Ingested()))
	}
	if err := closeSoon(t, e); err != nil {
		t.Fatal(err)
	}
	if left := telemetry.SpooledRequests(t, dir); len(left) != 0 {
		t.Fatalf("%d records left after delivery", len(left))
	}
}

func TestSpoolCorruptRecordSkippedRestDelivered(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	cfg.BatchSize = 10
	fillSpool(t, srv, cfg, 100)

	// flip one byte of one event's JSON in the spool itself: the kind of
	// damage a torn or lost page leaves
	needle := []byte(`"tool":"tool-42"`)
	found := 0
	files, _ := filepath.Glob(filepath.Join(dir, "*.batch"))
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(raw, needle); i >= 0 {
			raw[i+10] ^= 0x01
			found++
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if found == 0 {
		t.Fatal("event not found in the spool")
	}

	var errs atomic.Int64
	cfg.OnError = func(error) { errs.Add(1) }
	cfg.Logger, _ = newTestLogger()
	e := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Flush(ctx); !isUndelivered(err, telemetry.ReasonSpoolCorrupt) {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	// the batch holding tool-42 (up to BatchSize events) is skipped, the
	// rest delivered
	bad := st.DroppedByReason[telemetry.ReasonSpoolCorrupt]
	if st.Replayed != 100 || bad == 0 || bad > 10 || st.Sent != 100-bad || len(srv.Ingested()) != int(st.Sent) {
		t.Fatalf("corrupt batch: %v", st)
	}
	for _, ev := range srv.Ingested() {
		if ev.Tool == "tool-42" {
			t.Fatal("an event of the corrupt batch was delivered")
		}
	}
	if err := closeSoon(t, e); !isUndelivered(err, telemetry.ReasonSpoolCorrupt) {
		t.Fatal(err)
	}
	if errs.Load() == 0 {
		t.Fatal("OnError not told about the corrupt batch")
	}
}

// Batches spooled under other keys (an earlier process's, before a key
// rotation) are signed again with the current secret, their bytes
// unchanged, and delivered.
func TestSpoolKeyChangedResigned(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	cfg := spoolConfig(srv, dir)
	cfg.SecretKey = pecta.APIKey{} // spooled unsigned
	fillSpool(t, srv, cfg, 300)
	before := map[string]bool{}
	for _, rec := range telemetry.SpooledRequests(t, dir) {
		if rec.Sig != "" {
			t.Fatalf("spooled record: sig %q", rec.Sig)
		}
		before[string(rec.Body)] = true
	}

	cfg.SecretKey = pecta.NewAPIKey(testSK) // the keys changed: now signed
	e := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Replayed != 300 || st.Sent != 300 || st.Dropped != 0 {
		t.Fatalf("key changed: %v", st)
	}
	var ingest []pectatest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/v1/ingest" {
			ingest = append(ingest, r)
		}
	}
	if len(ingest) != len(before) {
		t.Fatalf("%d requests for %d spooled batches", len(ingest), len(before))
	}
	for _, r := range ingest {
		if !before[string(r.Body)] || !r.SignatureValid {
			t.Fatalf("request: same bytes %v, valid signature %v", before[string(r.Body)], r.SignatureValid)
		}
	}
	if left := telemetry.SpooledRequests(t, dir); len(left) != 0 {
		t.Fatalf("%d records left", len(left))
	}
}

func TestSpoolUnusableDirFallsBackToMemory(t *testing.T) {
	srv := newServer(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var errs atomic.Int64
	cfg := spoolConfig(srv, filepath.Join(file, "spool"))
	var logs *syncBuffer
	cfg.Logger, logs = newTestLogger()
	cfg.OnError = func(error) { errs.Add(1) }
	e := mustNew(t, cfg)
	for i := range 250 {
		if err := e.Track(event("fallback", i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.SyncSpool(ctx); err == nil {
		t.Fatal("SyncSpool on an unusable spool returned nil")
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.SpoolError == nil || st.Sent != 250 || len(srv.Ingested()) != 250 {
		t.Fatalf("fallback: %v spoolErr=%v", st, st.SpoolError)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || errs.Load() == 0 {
		t.Fatalf("fallback not reported: onError=%d log=%s", errs.Load(), logs.String())
	}
}

func TestSpoolWriteFailureFallsBackWithoutLoss(t *testing.T) {
	srv := newServer(t)
	srv.Down()
	var failing atomic.Bool
	telemetry.SetSpoolWriteHook(func() error {
		if failing.Load() {
			return errors.New("no space left on device (injected)")
		}
		return nil
	})
	defer telemetry.SetSpoolWriteHook(nil)
	cfg := spoolConfig(srv, t.TempDir())
	cfg.BatchSize = 10
	var logs *syncBuffer
	cfg.Logger, logs = newTestLogger()
	e := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 500 {
		if i == 250 {
			if err := e.SyncSpool(ctx); err != nil {
				t.Fatal(err)
			}
			failing.Store(true) // the disk is full from here on
		}
		if err := e.Track(event("enospc", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.SyncSpool(ctx); err == nil {
		t.Fatal("SyncSpool succeeded on a failing spool")
	}
	if st := e.Stats(); st.SpoolError == nil || st.SpooledEvents != 250 {
		t.Fatalf("after injected ENOSPC: %v", st)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Sent != 500 || st.Dropped != 0 || len(srv.Ingested()) != 500 {
		t.Fatalf("after injected ENOSPC: %v", st)
	}
	// one record for the fallback, one for the first failed removal
	if n := strings.Count(logs.String(), "level=ERROR"); n != 2 {
		t.Fatalf("%d ERROR records:\n%s", n, logs.String())
	}
}

func TestSpoolBoundDropNewestAndDropOldest(t *testing.T) {
	for _, policy := range []telemetry.OverflowPolicy{telemetry.DropNewest, telemetry.DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			srv := newServer(t)
			srv.Down()
			cfg := spoolConfig(srv, t.TempDir())
			cfg.MaxSpoolBytes = 1 << 20
			cfg.Overflow = policy
			// full batches only, all of one size: once one does not fit
			// in the spool, none does (a partial batch sealed by a flush
			// tick could still fit, and carry the last event)
			cfg.FlushInterval = time.Hour
			e := mustNew(t, cfg)
			const n = 8000 // about 2.5 MB of JSON
			for i := range n {
				if err := e.Track(event("bound", i)); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := e.SyncSpool(ctx); err != nil {
				t.Fatal(err)
			}
			st := e.Stats()
			checkInvariant(t, st)
			if st.SpooledBytes > cfg.MaxSpoolBytes || st.DroppedByReason[telemetry.ReasonSpoolFull] == 0 {
				t.Fatalf("bound: %v spooled=%dB", st, st.SpooledBytes)
			}
			if st.SpooledEvents+st.DroppedByReason[telemetry.ReasonSpoolFull] != n {
				t.Fatalf("spooled %d + dropped %d != %d", st.SpooledEvents, st.DroppedByReason[telemetry.ReasonSpoolFull], n)
			}
			if err := srv.Up(); err != nil {
				t.Fatal(err)
			}
			if err := e.Close(ctx); !isUndelivered(err, telemetry.ReasonSpoolFull) {
				t.Fatal(err)
			}
			st = e.Stats()
			checkInvariant(t, st)
			got := srv.Ingested()
			if uint64(len(got)) != st.Sent || st.Pending != 0 {
				t.Fatalf("after close: %v, server %d", st, len(got))
			}
			// the last event tracked is in the last batch spooled: DropNewest
			// refuses it, DropOldest keeps it
			last := false
			for _, ev := range got {
				last = last || ev.Tool == "tool-"+strconv.Itoa(n-1)
			}
			if last != (policy == telemetry.DropOldest) {
				t.Fatalf("%v: last event delivered = %v", policy, last)
			}
		})
	}
}

func TestSpoolConfig(t *testing.T) {
	cfg := telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), Spool: telemetry.DirSpoolAt(t.TempDir()), MaxSpoolBytes: 1000}
	var ce *telemetry.ConfigError
	if _, err := telemetry.New(cfg); !errors.As(err, &ce) || ce.Field != "MaxSpoolBytes" {
		t.Fatalf("tiny MaxSpoolBytes: %v", err)
	}
	e := mustNew(t, telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: "http://127.0.0.1:1"})
	if err := e.SyncSpool(context.Background()); !errors.Is(err, telemetry.ErrNoSpool) {
		t.Fatalf("SyncSpool without a spool: %v", err)
	}
}

// A Flush or SyncSpool waiting while a concurrent Close gives up at its
// deadline must return: with a spool the undelivered batches stay on disk,
// so waiting for them would never end (found in review: Flush blocked for
// good).
func TestFlushAndSyncSpoolReturnWhenCloseGivesUp(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.Spool = telemetry.DirSpoolAt(t.TempDir())
	e := mustNew(t, cfg)
	srv.Down()
	for i := range 50 {
		if err := e.Track(event("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	flushed, synced := make(chan error, 1), make(chan error, 1)
	go func() { flushed <- e.Flush(context.Background()) }()
	waitFor(t, 10*time.Second, "the events spooled", func() bool { return e.Stats().SpooledEvents == 50 })
	for i := range 50 { // left in memory: SyncSpool waits for them
		if err := e.Track(event("b", i)); err != nil {
			t.Fatal(err)
		}
	}
	go func() { synced <- e.SyncSpool(context.Background()) }()
	_ = closeSoon(t, e)
	for name, ch := range map[string]chan error{"Flush": flushed, "SyncSpool": synced} {
		select {
		case err := <-ch:
			t.Logf("%s returned %v; stats %v", name, err, e.Stats())
			if err != nil && !errors.Is(err, telemetry.ErrClosed) {
				t.Fatalf("%s: %v, want nil or ErrClosed", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s still blocked 10 s after Close returned; stats %v", name, e.Stats())
		}
	}
}
