package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta"
)

// fixedBudget grants a constant rate and never waits.
type fixedBudget struct{ rate float64 }

func (b fixedBudget) Wait(ctx context.Context) error         { return ctx.Err() }
func (b fixedBudget) Observe(bool, time.Duration)            {}
func (b fixedBudget) Grant(context.Context, float64) float64 { return b.rate }
func (b fixedBudget) State() BudgetState                     { return BudgetState{Name: "fixed", Rate: b.rate} }
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

// End to end through pectatest: a heavy agent is sampled down, a light one
// keeps every event, and the pass rates the server sees are the true ones.
func TestAdaptiveSamplingUnbiased(t *testing.T) {
	srv := newServer(t)
	cfg := fastConfig(srv)
	cfg.Budget = fixedBudget{rate: 10} // 1000 events/s
	e := mustNew(t, cfg)
	truth := map[string]float64{"heavy": 0.3, "medium": 0.7, "light": 0.9}
	perSec := map[string]int{"heavy": 10000, "medium": 1000, "light": 100}
	offered := map[string]int{}
	passed := map[string]int{}
	ev := &pecta.Event{Tool: "bid", Gates: []pecta.GateResult{{Name: "g", Passed: true}}}
	rng := rand.New(rand.NewPCG(1, 2))
	// simulated seconds from an hour ahead: the loop's own calls (real
	// time) are then ignored by adjust
	e.samp.mu.Lock()
	at := time.Now().Add(time.Hour)
	e.samp.lastAt = at
	e.samp.mu.Unlock()
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
		e.adjustSampling(at)
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
	cfg := fastConfig(srv)
	// 5 requests/s, 500 events/s: a third of what the producers offer, so
	// the backlog grows past a batch even when a loaded CI machine slows
	// the producers' 2 ms tickers (at 600/min the margin was 1.5x)
	cfg.RequestsPerMinute = 300
	cfg.Budget = NewLocalBudgetAtShare(300) // at once, no slow start
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

func TestTakeFull(t *testing.T) {
	var q queue
	q.init(100, 4, 1<<20)
	var total int
	for _, n := range []int{60, 60, 60, 30, 100} {
		b := q.newBatch()
		for i := range n {
			ev := event("agent-"+strconv.Itoa(total), i)
			b.rec = appendRecord(b.rec, ev, 1, 0)
			b.n++
			total++
		}
		b.bytes = int64(len(b.rec))
		q.push(b)
	}
	var sizes []int
	var enc recordEncoder
	next := 0
	for b := q.takeFull(100); b != nil; b = q.takeFull(100) {
		sizes = append(sizes, b.n)
		require.EqualValues(t, len(b.rec), b.bytes)
		for rec := b.rec; len(rec) > 0; next++ {
			rec = enc.decode(rec)
			require.Equal(t, "agent-"+strconv.Itoa(next), enc.ev.AgentID, "order kept")
		}
		q.finish(b)
	}
	require.Equal(t, []int{100, 100, 100, 10}, sizes)
	require.Zero(t, q.queuedEvents)
	require.Zero(t, q.listBytes)
	require.Zero(t, q.inflightEvts)
}

func TestLocalBudgetAIMD(t *testing.T) {
	b := NewLocalBudgetAtShare(500) // no slow start: see TestLocalBudgetSlowStart
	full := 490.0 / 61
	now := time.Now()
	require.InDelta(t, full, b.grantAt(now, 100), 1e-9)
	// a full window whose oldest request leaves in 45 s: four processes
	// sent it in 15 s, each must cut to a quarter
	b.observeAt(now, 45*time.Second)
	require.InDelta(t, full/4, b.State().Rate, 1e-9)
	require.False(t, b.State().PausedUntil.IsZero())
	// the same congestion event: no second cut
	b.observeAt(now.Add(30*time.Second), 15*time.Second)
	require.InDelta(t, full/4, b.State().Rate, 1e-9)
	require.EqualValues(t, 2, b.State().Limited)
	// no increase during the calm period, nor without demand
	require.InDelta(t, full/4, b.grantAt(now.Add(40*time.Second), 100), 1e-9)
	require.InDelta(t, full/4, b.grantAt(now.Add(60*time.Second), 0.5), 1e-9)
	// additive increase while demand exceeds the rate
	r := b.grantAt(now.Add(61*time.Second), 100)
	require.InDelta(t, full/4+full*aimdStep*sampleAdjustEvery.Seconds(), r, 1e-9)
	// a marginal 429 cuts by 10%
	b.observeAt(now.Add(70*time.Second), time.Second)
	require.InDelta(t, r*aimdMaxCut, b.State().Rate, 1e-9)

	u := NewLocalBudget(-1)
	require.True(t, math.IsInf(u.Grant(context.Background(), 5), 1))
	require.Equal(t, "unpaced", u.State().Name)
}

func TestLocalBudgetNeverExceedsRatePerWindow(t *testing.T) {
	for _, rpm := range []int{1, 7, 60, 500, 5000} {
		b := NewLocalBudgetAtShare(rpm) // slow-starting: TestLocalBudgetSlowStartNeverExceedsRatePerWindow
		start := time.Unix(1e9, 0)
		b.lim.SetBurstAt(start, b.burst)
		now := start
		var sent []time.Time
		for now.Sub(start) < 3*time.Minute && len(sent) < 20000 {
			d, _ := b.reserve(now)
			now = now.Add(d)
			sent = append(sent, now)
		}
		j := 0
		for i := range sent {
			for sent[i].Sub(sent[j]) >= time.Minute {
				j++
			}
			if i-j+1 > rpm {
				t.Fatalf("rpm %d: %d requests within 60s", rpm, i-j+1)
			}
		}
		if rpm >= 60 && float64(len(sent)) < 2.8*float64(rpm)*0.95 {
			t.Fatalf("rpm %d: only %d requests in 3 minutes", rpm, len(sent))
		}
	}
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
