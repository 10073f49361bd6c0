package telemetry

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/stretchr/testify/require"
)

func offer(s *sampler, agent string, n int) (kept int) {
	for range n {
		if s.keep(agent, goroutineHint()) {
			kept++
		}
	}
	return kept
}

// Agents under the fair level keep everything; heavier ones share the rest
// equally (max-min fairness), and the total kept is the budget's.
func TestSamplerWaterFilling(t *testing.T) {
	var s sampler
	s.init(samplingAdaptive, 1)
	t0 := s.lastAt
	// offered per second: light 50, mid 300, heavy1 2000, heavy2 5000
	vol := map[string]int{"light": 50, "mid": 300, "heavy1": 2000, "heavy2": 5000}
	for a, n := range vol {
		offer(&s, a, n)
	}
	// the budget carries 10 requests/s of 100 events: 1000 events/s
	s.adjust(t0.Add(time.Second), 100, 0, func(d float64) float64 {
		require.InDelta(t, 73.5, d, 0.01, "demand in requests/s")
		return 10
	})
	require.Equal(t, 1.0, s.rate("light"))
	require.Equal(t, 1.0, s.rate("mid"))
	// the sampler aims 20% above the budget (a standing backlog of about a
	// second keeps requests full): level L: 50 + 300 + 2L = 1200 -> L = 425
	require.InDelta(t, 425.0/2000, s.rate("heavy1"), 1e-6)
	require.InDelta(t, 425.0/5000, s.rate("heavy2"), 1e-6)

	// the next second keeps about 1200 events, uniformly within each agent
	kept := 0
	for a, n := range vol {
		k := offer(&s, a, n)
		kept += k
		if want := float64(n) * s.rate(a); math.Abs(float64(k)-want) > 5*math.Sqrt(want)+1 {
			t.Errorf("%s: kept %d of %d, want about %.0f", a, k, n, want)
		}
	}
	require.InDelta(t, 1200, kept, 150)
	seen, out := s.totals()
	require.EqualValues(t, 2*(50+300+2000+5000), seen)
	require.EqualValues(t, int(seen)-kept-(50+300+2000+5000), out)

	// traffic stops: the moving average decays and every rate returns to 1
	for i := range 40 {
		s.adjust(t0.Add(time.Duration(i+2)*time.Second), 100, 0, func(float64) float64 { return 10 })
	}
	require.Equal(t, 1.0, s.rate("heavy2"))
}

// A backlog beyond one second of sending makes the sampler keep less than
// the budget, to drain it.
func TestSamplerDrainsBacklog(t *testing.T) {
	var s sampler
	s.init(samplingAdaptive, 1)
	offer(&s, "a", 5000)
	s.adjust(s.lastAt.Add(time.Second), 100, 0, func(float64) float64 { return 10 })
	calm := s.rate("a")
	offer(&s, "a", 5000)
	s.adjust(s.lastAt.Add(time.Second), 100, 3000, func(float64) float64 { return 10 })
	require.InDelta(t, (1200-2000.0/3)/5000, s.rate("a"), 1e-6, "drains the excess in 3 s")
	offer(&s, "a", 5000)
	s.adjust(s.lastAt.Add(time.Second), 100, 6000, func(float64) float64 { return 10 })
	require.Less(t, s.rate("a"), calm*0.5)
	require.InDelta(t, 100.0/5000, s.rate("a"), 1e-6, "never below the floor")
	require.InDelta(t, 1200.0/5000, calm, 1e-6)
}

func TestSamplerFixedAndOff(t *testing.T) {
	var s sampler
	s.init(samplingFixed, 0.25)
	kept := offer(&s, "x", 40000)
	require.InDelta(t, 10000, kept, 500)
	s.adjust(s.lastAt.Add(time.Second), 100, 0, func(float64) float64 { return 0.001 })
	require.InDelta(t, 0.25, s.rate("x"), 1e-9, "adjust leaves a fixed rate alone")

	e := fakeEmitter(t, Config{SampleRate: 1, RequestsPerMinute: -1}, nil)
	require.Equal(t, samplingOff, e.samp.mode)
	require.Equal(t, 1.0, e.AgentSampleRate("x"))
	require.NoError(t, e.Close(context.Background()))
	e = fakeEmitter(t, Config{SampleRate: 1, RequestsPerMinute: -1}, nil)
	require.Equal(t, samplingOff, e.samp.mode)
	require.NoError(t, e.Close(context.Background()))
	_, err := New(Config{PublishableKey: pecta.NewAPIKey(testPK), SampleRate: 1.5})
	require.Error(t, err)
}

// TrackResult samples before it builds the event, as Track does: a result
// sampled out is counted under "sampled" (even one Track would refuse as
// invalid), and after Close a result is refused with ErrClosed.
func TestTrackResultSamplesFirst(t *testing.T) {
	em := fakeEmitter(t, Config{RequestsPerMinute: -1, SampleRate: 1e-12}, nil)
	r := rtbResult()
	for range 1000 {
		require.NoError(t, em.TrackResult(r))
	}
	require.NoError(t, em.TrackResult(&gate.Result{Gates: make([]gate.GateResult, 3)})) // no agent: sampled out first
	st := em.Stats()
	require.Equal(t, uint64(1001), st.DroppedByReason[ReasonSampled], "%v", st)
	require.Equal(t, uint64(1001), st.Dropped, "%v", st)
	require.NoError(t, em.Close(context.Background()))
	require.ErrorIs(t, em.TrackResult(r), ErrClosed)
	require.Equal(t, uint64(1), em.Stats().DroppedByReason[ReasonClosed])
}

// The sampling decision is made once per TrackResult, before the event is
// built: a result sampled out costs no allocation even when building its
// event would allocate (more than pecta.MaxGates gates), and a SampleRate
// of 0.5 keeps half the results (sampling twice would keep a quarter).
func TestTrackResultSamplesOnceBeforeBuilding(t *testing.T) {
	out := fakeEmitter(t, Config{RequestsPerMinute: -1, SampleRate: 1e-12}, nil)
	defer out.Close(context.Background())
	big := &gate.Result{AgentID: "agent-big", Gates: make([]gate.GateResult, pecta.MaxGates+1)}
	require.NoError(t, out.TrackResult(big))
	allocs := testing.AllocsPerRun(100, func() {
		if err := out.TrackResult(big); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "a sampled-out result was built")

	half := fakeEmitter(t, Config{RequestsPerMinute: -1, SampleRate: 0.5, MaxQueueBytes: 64 << 20}, func(context.Context, []byte, string) (int, error) { return 100, nil })
	defer half.Close(context.Background())
	r := rtbResult()
	const n = 20000
	for range n {
		require.NoError(t, half.TrackResult(r))
	}
	st := half.Stats()
	out2 := float64(st.DroppedByReason[ReasonSampled]) / n
	require.InDelta(t, 0.5, out2, 0.05, "sampled out %.3f of the results: %v", out2, st)
	require.Equal(t, uint64(n), st.Tracked)
}

// strHash spreads ids over the slots like a random function: ids that
// differ in one byte anywhere (the common shape: agent-0001, agent-0002,
// or UUIDs) land in different slots, and 100,000 such ids fill the 1024
// slots evenly.
func TestStrHashSpreadsIDs(t *testing.T) {
	var s sampler
	s.init(samplingAdaptive, 1)
	for _, shape := range []string{"a-%d", "agent-%05d", "bidder-eu-west-%d-prod", "%08d-9c5b-4e0a-b7d4-3f2a1c0e8b7d", "x%d"} {
		var counts [sampleSlots]int
		const n = 100_000
		for i := range n {
			counts[s.slot(fmt.Sprintf(shape, i))]++
		}
		// binomial(n, 1/1024): mean 97.7, sd 9.9; allow 6 sd
		lo, hi := n, 0
		for _, c := range counts {
			lo, hi = min(lo, c), max(hi, c)
		}
		if lo < 38 || hi > 158 {
			t.Errorf("shape %q: slot occupancy between %d and %d, want 38..158", shape, lo, hi)
		}
	}
	// one byte changed at any position moves the slot (almost always)
	base := []byte("bidder-7f3a9c21-eu-west-1-prod-canary")
	same := 0
	for i := range base {
		for _, c := range []byte{'0', 'z', '-'} {
			if base[i] == c {
				continue
			}
			v := slices.Clone(base)
			v[i] = c
			if s.slot(string(v)) == s.slot(string(base)) {
				same++
			}
		}
	}
	if same > 2 {
		t.Errorf("%d one-byte variants kept their slot", same)
	}
}
