package telemetry_test

import (
	"bytes"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// Helpers of the external tests, which run the emitter against pectatest.
// The fixtures shared with the internal tests come from export_test.go.

const (
	testPK = telemetry.TestPK
	testSK = telemetry.TestSK
)

var (
	event          = telemetry.Event
	checkInvariant = telemetry.CheckInvariant
	closeNow       = telemetry.CloseNow
	assertNoKey    = telemetry.AssertNoKey
)

// newServer starts a pectatest server with the test keys and no rate
// limits, closed when the test ends.
func newServer(t testing.TB, opts ...pectatest.Option) *pectatest.Server {
	t.Helper()
	srv := pectatest.NewServer(append([]pectatest.Option{pectatest.WithKeys(testPK, testSK), pectatest.WithoutRateLimits()}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// testConfig is srv.EmitterConfig (every event kept, no pacing, a short
// flush interval) with room for the fault tests on a loaded machine:
// retries spread over seconds (an outage of a few hundred milliseconds does
// not exhaust them), and a request timeout no request reaches (a retry
// after a timeout may duplicate a batch, which the exactly-once tests
// count as a failure).
func testConfig(srv *pectatest.Server) telemetry.Config {
	cfg := srv.EmitterConfig()
	cfg.RetryWaitMin = 5 * time.Millisecond
	cfg.RetryWaitMax = 50 * time.Millisecond
	cfg.MaxRetries = 50
	cfg.RequestTimeout = 30 * time.Second
	return cfg
}

// mustNew is telemetry.New, failing t on an error; the emitter is closed
// when the test ends.
func mustNew(t testing.TB, cfg telemetry.Config) *telemetry.Emitter {
	t.Helper()
	e, err := telemetry.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = closeNow(t, e, 5*time.Second) })
	return e
}

// trackAll tracks per goroutines × n events with agent "g<i>" and tool
// "tool-<seq>", failing on any error.
func trackAll(t *testing.T, e *telemetry.Emitter, goroutines, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := event("g"+strconv.Itoa(g), 0) // reused for every call
			for i := range n {
				ev.Tool = "tool-" + strconv.Itoa(i)
				if err := e.Track(ev); err != nil {
					t.Errorf("Track: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// checkDelivered fails unless srv ingested every event trackAll tracked
// (goroutines × n) and nothing else, each at least once and at most
// maxDups duplicates in all. Delivery is at least once: an outage that cuts
// a connection after the server stored a batch makes the retry store it
// again, so the fault tests allow whole retried batches (batch size times
// retries); the others allow none.
func checkDelivered(t *testing.T, srv *pectatest.Server, goroutines, n int, maxDups uint64) {
	t.Helper()
	seen := make(map[string]int)
	for _, ev := range srv.Ingested() {
		seen[ev.AgentID+"/"+ev.Tool]++
	}
	dups := 0
	for g := range goroutines {
		for i := range n {
			k := "g" + strconv.Itoa(g) + "/tool-" + strconv.Itoa(i)
			if seen[k] == 0 {
				t.Fatalf("event %s lost", k)
			}
			dups += seen[k] - 1
		}
	}
	if len(seen) != goroutines*n {
		t.Fatalf("server has %d distinct events, want %d", len(seen), goroutines*n)
	}
	if uint64(dups) > maxDups {
		t.Fatalf("%d duplicates, at most %d allowed", dups, maxDups)
	}
	if dups > 0 {
		t.Logf("%d duplicates (a batch stored before the outage cut its response was retried)", dups)
	}
}

// ingestRequests returns the ingest requests srv received, in order.
func ingestRequests(srv *pectatest.Server) []pectatest.Request {
	var out []pectatest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/v1/ingest" {
			out = append(out, r)
		}
	}
	return out
}

// assertNoSecret fails if the secret key appears anywhere in r.
func assertNoSecret(t *testing.T, r pectatest.Request) {
	t.Helper()
	if strings.Contains(string(r.Body), testSK) || strings.Contains(r.RawQuery, testSK) {
		t.Fatal("secret key in request body or query")
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, testSK) || strings.Contains(v, testSK[len("sk_live_"):]) {
				t.Fatalf("secret key in header %s", k)
			}
		}
	}
}

// waitFor polls cond until it holds or d passes. Only for tests that talk
// to a real server: the others run in a testing/synctest bubble.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		poll()
	}
}

// poll yields while polling a condition.
func poll() {
	runtime.Gosched()
	<-time.After(time.Millisecond)
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
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

// newTestLogger returns a logger of text records at every level and the
// buffer it writes to.
func newTestLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// captureDefaultLog points slog.Default at a buffer of JSON records for
// the test.
func captureDefaultLog(t *testing.T) *syncBuffer {
	t.Helper()
	old := slog.Default()
	buf := &syncBuffer{}
	slog.SetDefault(slog.New(slog.NewJSONHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

// isUndelivered reports an *UndeliveredError whose drops all have reason.
func isUndelivered(err error, reason string) bool {
	var ue *telemetry.UndeliveredError
	if !errors.As(err, &ue) || len(ue.ByReason) != 1 {
		return false
	}
	_, ok := ue.ByReason[reason]
	return ok
}
