package telemetry_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/stretchr/testify/require"
)

// Sampling and pacing end to end: what reaches the server.

func TestSampleRate(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.SampleRate = 0.25
	e := mustNew(t, cfg)
	trackAll(t, e, 1, 4000) // sampled-out events return nil
	if err := closeNow(t, e, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariant(t, st)
	if st.Sent < 800 || st.Sent > 1200 || st.DroppedByReason[telemetry.ReasonSampled] != 4000-st.Sent {
		t.Fatalf("stats %v", st)
	}
}

// fixedBudget grants a constant rate and never waits.
type fixedBudget struct{ rate float64 }

func (b fixedBudget) Wait(ctx context.Context) error { return ctx.Err() }

func (b fixedBudget) Observe(bool, time.Duration) {}

func (b fixedBudget) Grant(context.Context, float64) float64 { return b.rate }

func (b fixedBudget) State() telemetry.BudgetState {
	return telemetry.BudgetState{Name: "fixed", Rate: b.rate}
}

// End to end through pectatest: a heavy agent is sampled down, a light one
// keeps every event, and the pass rates the server sees are the true ones.
func TestAdaptiveSamplingUnbiased(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.Budget = fixedBudget{rate: 10} // 1000 events/s
	cfg.SampleRate = 0                 // adaptive
	e := mustNew(t, cfg)
	truth := map[string]float64{"heavy": 0.3, "medium": 0.7, "light": 0.9}
	perSec := map[string]int{"heavy": 10000, "medium": 1000, "light": 100}
	offered := map[string]int{}
	passed := map[string]int{}
	ev := &pecta.Event{Tool: "bid", Gates: []pecta.GateResult{{Name: "g", Passed: true}}}
	rng := rand.New(rand.NewPCG(1, 2))
	// simulated seconds from an hour ahead: the loop's own calls (real
	// time) are then ignored by adjust
	at := time.Now().Add(time.Hour)
	telemetry.StartSamplerAt(e, at)
	for sec := range 4 {
		for a, n := range perSec {
			ev.AgentID = a
			for range n {
				ev.Passed = rng.Float64() < truth[a]
				ev.Gates[0].Passed = ev.Passed
				offered[a]++
				if ev.Passed {
					passed[a]++
				}
				require.NoError(t, e.Track(ev))
			}
		}
		// no backlog: delivery is not what is tested
		require.NoError(t, e.Flush(context.Background()))
		at = at.Add(time.Second)
		telemetry.AdjustSampling(e, at)
		if sec == 0 {
			require.Equal(t, 1.0, e.AgentSampleRate("light"))
			require.InDelta(t, 0.55, e.AgentSampleRate("medium"), 1e-6)
			require.InDelta(t, 0.055, e.AgentSampleRate("heavy"), 1e-6)
		}
	}
	require.NoError(t, closeNow(t, e, 10*time.Second))
	st := e.Stats()
	checkInvariant(t, st)
	require.Less(t, st.KeptFraction, 0.5)
	require.Equal(t, st.Sent, uint64(len(srv.Ingested())))
	got := map[string][2]int{}
	for _, ev := range srv.Ingested() {
		c := got[ev.AgentID]
		c[0]++
		if ev.Passed {
			c[1]++
		}
		got[ev.AgentID] = c
	}
	for a, p := range truth {
		c := got[a]
		require.Greater(t, c[0], 350, "%s delivered", a)
		rate := float64(c[1]) / float64(c[0])
		true_ := float64(passed[a]) / float64(offered[a])
		require.InDelta(t, true_, rate, 0.05, "%s pass rate (truth %.2f)", a, p)
	}
	// the light agent's first second was kept whole, and every later one
	require.Equal(t, offered["light"], got["light"][0])
}

// Every request carries a full batch when more than a batch is waiting,
// although the shards seal partial batches.
func TestFullBatchesWhenBudgetBinds(t *testing.T) {
	srv := newServer(t)
	cfg := testConfig(srv)
	// 5 requests/s, 500 events/s: a third of what the producers offer, so
	// the backlog grows past a batch even when a loaded CI machine slows
	// the producers' 2 ms tickers (at 600/min the margin was 1.5x)
	cfg.RequestsPerMinute = 300
	cfg.Budget = telemetry.NewLocalBudgetAtShare(300) // at once, no slow start
	cfg.SampleRate = 1
	cfg.FlushInterval = 30 * time.Millisecond
	e := mustNew(t, cfg)
	// three goroutines trickling ~1500 events/s in all: many partial
	// shard batches sealed by the flush ticker, and a growing backlog
	const goroutines, n = 3, 1500
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			tick := time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
			ev := event("g"+strconv.Itoa(g), 0)
			for i := 0; i < n; i += 3 {
				<-tick.C
				for range 3 {
					if err := e.Track(ev); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	for range goroutines {
		<-done
	}
	require.NoError(t, closeNow(t, e, 20*time.Second))
	require.Equal(t, goroutines*n, srv.Stats().IngestedEvents)
	// the first requests (the bucket's burst of 12, then while the backlog
	// is below a batch) go as soon as a partial batch is sealed, and the
	// last one carries the rest at Close; from the first full one on, the
	// backlog exceeds a batch and every request must be full
	var sizes []int
	for _, r := range ingestRequests(srv) {
		sizes = append(sizes, bytes.Count(r.Body, []byte(`"agent_id"`)))
	}
	first := 12
	for first < len(sizes) && sizes[first] < 100 {
		first++
	}
	steady := sizes[first : len(sizes)-1]
	require.Greater(t, len(steady), 25)
	sum := 0
	for _, n := range steady {
		sum += n
	}
	avg := float64(sum) / float64(len(steady))
	t.Logf("events per request: %v; steady average %.1f", sizes, avg)
	require.GreaterOrEqual(t, avg, 95.0)
}
