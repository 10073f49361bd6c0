package telemetry_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// metricsConfig is srv.EmitterConfig with small batches, one quick retry
// and half the events sampled out, so that every counter moves.
func metricsConfig(srv *pectatest.Server) telemetry.Config {
	cfg := srv.EmitterConfig()
	cfg.BatchSize = 10
	cfg.RetryWaitMax = 5 * time.Millisecond
	cfg.MaxRetries = 1
	cfg.SampleRate = 0.5
	return cfg
}

// Metrics agrees with Stats once the emitter is quiet, reason by reason,
// and reads without allocating.
func TestMetricsAgreesWithStats(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	em, err := telemetry.New(metricsConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close(context.Background())
	srv.On("POST /v1/ingest").FailNext(4, http.StatusServiceUnavailable, 0) // two batches out of retries
	for i := range 1000 {
		ev := pecta.Event{AgentID: "agent-" + strconv.Itoa(i%7), Passed: true}
		if i%100 == 0 {
			ev.AgentID = "" // invalid
		}
		_ = em.Track(&ev)
	}
	_ = em.Flush(context.Background())
	st, m := em.Stats(), em.Metrics()
	if m.Tracked != st.Tracked || m.Sent != st.Sent || m.Dropped.Total() != st.Dropped || m.Batches != st.Batches ||
		m.Retries != st.Retries || m.QueuedEvents != st.QueuedEvents || m.InFlight != st.InFlight || m.Unconfirmed != st.Unconfirmed {
		t.Fatalf("metrics %+v\nstats %v", m, st)
	}
	for reason, n := range m.Dropped.All() {
		if st.DroppedByReason[reason] != n {
			t.Errorf("%s: metrics %d, stats %d", reason, n, st.DroppedByReason[reason])
		}
	}
	if m.Dropped.Invalid == 0 || m.Dropped.Invalid > 10 || m.Dropped.Sampled == 0 || m.Dropped.RetriesExhausted == 0 || m.Kept != m.Tracked-m.Dropped.Sampled {
		t.Fatalf("metrics %+v", m)
	}
	if m.QueueCapacity != 8<<20 || m.LastAccepted.IsZero() || m.KeyRejected || m.BudgetRate <= 0 {
		t.Fatalf("gauges %+v", m)
	}
	if a := testing.AllocsPerRun(100, func() { _ = em.Metrics() }); a != 0 {
		t.Fatalf("Metrics allocates %v times", a)
	}
}

// OnRequest tells every registered function about each request, with the
// answer's status (0 without an answer), until it is removed.
func TestOnRequest(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	cfg := metricsConfig(srv)
	cfg.SampleRate = 1
	em, err := telemetry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close(context.Background())
	var mu sync.Mutex
	var got []telemetry.RequestInfo
	remove := em.OnRequest(func(r telemetry.RequestInfo) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	})
	track := func(n int) {
		for range n {
			_ = em.Track(&pecta.Event{AgentID: "a", Passed: true})
		}
		_ = em.Flush(context.Background())
	}
	srv.On("POST /v1/ingest").FailNext(1, http.StatusServiceUnavailable, 0)
	track(10)
	srv.On("POST /v1/ingest").ResetNext(1)
	track(10)
	remove()
	track(10)
	mu.Lock()
	defer mu.Unlock()
	var statuses []int
	for _, r := range got {
		statuses = append(statuses, r.StatusCode)
		if r.Events != 10 || r.Duration <= 0 || (r.StatusCode == http.StatusAccepted) != (r.Err == nil) {
			t.Fatalf("request %+v", r)
		}
	}
	want := []int{503, 202, 0, 202}
	if len(statuses) != len(want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
}
