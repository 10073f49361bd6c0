package telemetry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Helpers of the package's own tests. The fixtures that the external tests
// (package telemetry_test) use too are exported to them by export_test.go.

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

// checkInvariant fails t unless Tracked + Replayed == Sent + Unconfirmed +
// Dropped + Pending (Replayed is zero without a spool) and Dropped is the
// sum of DroppedByReason.
func checkInvariant(t testing.TB, st Stats) {
	t.Helper()
	if st.Tracked+st.Replayed != st.Sent+st.Unconfirmed+st.Dropped+st.Pending {
		t.Fatalf("invariant broken: tracked %d + replayed %d != sent %d + unconfirmed %d + dropped %d + pending %d (%v)",
			st.Tracked, st.Replayed, st.Sent, st.Unconfirmed, st.Dropped, st.Pending, st.DroppedByReason)
	}
	var sum uint64
	for _, v := range st.DroppedByReason {
		sum += v
	}
	if sum != st.Dropped {
		t.Fatalf("dropped %d != sum by reason %d (%v)", st.Dropped, sum, st.DroppedByReason)
	}
}

// closeNow closes e with a deadline d from now.
func closeNow(t testing.TB, e *Emitter, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return e.Close(ctx)
}

// keyMaterial are substrings that must never appear in any output.
var keyMaterial = []string{testPK, testSK, testPK[8:], testSK[8:], testSK[8:20], testPK[8:20]}

// assertNoKey fails t if out, the output of what, holds key material.
func assertNoKey(t testing.TB, what, out string) {
	t.Helper()
	for _, k := range keyMaterial {
		if strings.Contains(out, k) {
			t.Fatalf("%s prints key material %q:\n%s", what, k, out)
		}
	}
}

// fakeEmitter starts an emitter around send, without HTTP. Its goroutines
// run until the test closes it.
func fakeEmitter(t testing.TB, cfg Config, send sendFunc) *Emitter {
	t.Helper()
	if cfg.PublishableKey.IsZero() {
		cfg.PublishableKey = pecta.NewAPIKey(testPK)
	}
	set, err := cfg.settings()
	if err != nil {
		t.Fatal(err)
	}
	return newEmitter(set, send)
}

// acceptAll is a sendFunc that accepts every batch at once.
func acceptAll(context.Context, []byte, string) (int, error) { return pecta.MaxBatchEvents, nil }

// blockUntilCancelled is a sendFunc that never answers: it returns when the
// request's context ends.
func blockUntilCancelled(ctx context.Context, _ []byte, _ string) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// blockSend stalls every send until block is closed.
func blockSend(block chan struct{}) sendFunc {
	return func(ctx context.Context, _ []byte, _ string) (int, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return 1, nil
	}
}

// sink is a cheap httptest ingest endpoint for the benchmarks: it accepts
// every event of each body (counted by their "agent_id" keys).
type sink struct {
	srv *httptest.Server
}

func newSink(t testing.TB) *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := bytes.Count(body, []byte(`{"agent_id":`))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"accepted":` + strconv.Itoa(n) + `,"reputation_updates":[]}`))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// newWithProbeBounds is New with the interval between the probes of a key
// the server refused bounded by min and max (Config does not set them).
func newWithProbeBounds(cfg Config, min, max time.Duration) (*Emitter, error) {
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	set.authProbeMin, set.authProbeMax = min, max
	send, own, err := newClientSender(&set)
	if err != nil {
		return nil, err
	}
	e := startEmitter(set, nil, send)
	e.life.ownHTTP = own
	return e, nil
}

// advanceUntil moves the clock of the testing/synctest bubble it runs in
// on a millisecond at a time, letting the bubble's goroutines run at each
// step, until cond holds; it fails t if that takes longer than max on the
// bubble's clock.
func advanceUntil(t testing.TB, max time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for synctest.Wait(); !cond(); synctest.Wait() {
		if time.Since(start) > max {
			t.Fatalf("no %s after %v", what, max)
		}
		time.Sleep(time.Millisecond)
	}
}
