package telemetry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

func TestMain(m *testing.M) {
	if code := killChildMain(); code >= 0 { // spool_kill_test.go: a kill-test child
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}

// Fixed keys for tests: easy to search for in output.
const (
	testPK = "pk_live_PUBLISHABLEaaaaaaaaaaaaaaaaaaaa1"
	testSK = "sk_live_SECRETbbbbbbbbbbbbbbbbbbbbbbbbb2"
)

func init() {
	if len(testPK) != 40 || len(testSK) != 40 {
		panic("bad test key length " + strconv.Itoa(len(testPK)) + " " + strconv.Itoa(len(testSK)))
	}
}

// event returns a valid event with 3 gates, identified by seq.
func event(agent string, seq int) *pecta.Event {
	return &pecta.Event{
		AgentID:        agent,
		Tool:           "tool-" + strconv.Itoa(seq),
		Passed:         true,
		TotalLatencyMS: 1.5,
		Gates: []pecta.GateResult{
			{Name: "filesystem", Passed: true, LatencyMS: 0.2},
			{Name: "pii", Passed: true, LatencyMS: 0.3},
			{Name: "content", Passed: true, LatencyMS: 0.9, Reason: "ok"},
		},
	}
}

// fastConfig is a Config for tests against srv: quick retries, no pacing.
func fastConfig(srv *pectatest.Server) Config {
	return Config{
		PublishableKey:    srv.PublishableKey,
		SecretKey:         srv.SecretKey,
		BaseURL:           srv.URL,
		FlushInterval:     50 * time.Millisecond,
		RetryWaitMin:      5 * time.Millisecond,
		RetryWaitMax:      50 * time.Millisecond,
		RequestTimeout:    30 * time.Second, // a retry after a timeout may duplicate a batch: exactly-once tests must not time out on a loaded CI machine
		RequestsPerMinute: -1,
		MaxRetries:        50,
	}
}

func newServer(t testing.TB, opts ...pectatest.Option) *pectatest.Server {
	t.Helper()
	srv := pectatest.NewServer(append([]pectatest.Option{pectatest.WithKeys(testPK, testSK), pectatest.WithoutRateLimits()}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

func mustNew(t testing.TB, cfg Config) *Emitter {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Close(ctx)
	})
	return e
}

// checkInvariant fails t unless Tracked == Sent + Unconfirmed + Dropped +
// Pending.
func checkInvariant(t testing.TB, st Stats) {
	t.Helper()
	if st.Tracked != st.Sent+st.Unconfirmed+st.Dropped+st.Pending {
		t.Fatalf("invariant broken: tracked %d != sent %d + unconfirmed %d + dropped %d + pending %d",
			st.Tracked, st.Sent, st.Unconfirmed, st.Dropped, st.Pending)
	}
	var sum uint64
	for _, v := range st.DroppedByReason {
		sum += v
	}
	if sum != st.Dropped {
		t.Fatalf("dropped %d != sum by reason %d (%v)", st.Dropped, sum, st.DroppedByReason)
	}
}

// waitFor polls cond until it holds or the deadline passes.
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

// sink is a cheap httptest ingest endpoint: it counts the events of each
// body (by their "agent_id" keys) and accepts them all, unless accept says
// otherwise.
type sink struct {
	srv      *httptest.Server
	requests atomic.Int64
	events   atomic.Int64
	accept   func(n int) int // accepted for a batch of n; nil = n
}

func newSink(t testing.TB) *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.requests.Add(1)
		n := bytes.Count(body, []byte(`{"agent_id":`))
		if s.accept != nil {
			n = s.accept(n)
		}
		s.events.Add(int64(n))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"accepted":` + strconv.Itoa(n) + `,"reputation_updates":[]}`))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// poll yields while polling a condition.
func poll() {
	runtime.Gosched()
	<-time.After(time.Millisecond)
}
