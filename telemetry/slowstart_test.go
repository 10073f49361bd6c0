package telemetry

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A fleet of LocalBudgets against a simulated server with the documented
// rolling window, in simulated time (10 ms steps): each process offers
// demand requests' worth of events a second from start to stop, keeps what
// its budget grants (Grant every 100 ms, as the emitter's loop does), and
// sends a batch when it holds 100 events, or after a second with fewer,
// once the budget lets it (reserve, then the request when the wait is
// over, forfeited if a 429 paused the budget meanwhile). A 429 carries the
// server's Retry-After in whole seconds, at least 1, and the batch stays
// queued.

type simProc struct {
	b            *LocalBudget
	start, stop  time.Duration
	demand       float64 // requests a second the process would need
	queue        float64 // events kept, not yet sent
	keep         float64 // events a second kept now
	lastSend     time.Duration
	sendAt       time.Duration
	holding      bool
	nextTry      time.Duration
	offered      float64
	kept         float64
	accepted     int
	rateAt       map[time.Duration]float64 // the budget's rate, every 10 s
	keptAll      time.Duration             // when the grant first covered the demand
	slowed       time.Duration             // how long the grant was below the demand before
	slowedLater  time.Duration             // and after
	reachedRate  time.Duration             // when the rate first reached 95% of the full rate
	limitedCount int
}

type simBin struct{ accepted, limited, events int }

type simResult struct {
	procs []*simProc
	bins  []simBin
	gap   struct{ from, to time.Duration }
	used  int           // accepted requests before the end of the run
	maxRA time.Duration // the longest Retry-After answered

	acceptedAt []time.Duration
}

// gapAfter is the longest time with no accepted request that ends after
// from.
func (r *simResult) gapAfter(from time.Duration) time.Duration {
	var g time.Duration
	for i := 1; i < len(r.acceptedAt); i++ {
		if r.acceptedAt[i] > from {
			g = max(g, r.acceptedAt[i]-max(r.acceptedAt[i-1], from))
		}
	}
	return g
}

func (r *simResult) longestGap() time.Duration { return r.gap.to - r.gap.from }

func (r *simResult) limited() int {
	n := 0
	for _, b := range r.bins {
		n += b.limited
	}
	return n
}

func (r *simResult) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%9s %9s %6s %8s\n", "t(s)", "accepted", "429s", "events")
	for i, b := range r.bins {
		fmt.Fprintf(&s, "%4d-%-4d %9d %6d %8d\n", 10*i, 10*i+10, b.accepted, b.limited, b.events)
	}
	fmt.Fprintf(&s, "longest gap %.1f s (%.1f-%.1f s); %d accepted in the run; 429s %d, the longest Retry-After %v\n",
		r.longestGap().Seconds(), r.gap.from.Seconds(), r.gap.to.Seconds(), r.used, r.limited(), r.maxRA)
	for i, p := range r.procs {
		fmt.Fprintf(&s, "process %d: accepted %d, 429s %d, kept %.0f%% of offered (slowed %v, then %v), 95%% of the full rate from %v; rate every 10 s:",
			i, p.accepted, p.limitedCount, 100*p.kept/p.offered, p.slowed, p.slowedLater, p.reachedRate)
		for _, t := range slices.Sorted(maps.Keys(p.rateAt)) {
			fmt.Fprintf(&s, " %.2f", p.rateAt[t])
		}
		s.WriteByte('\n')
	}
	return s.String()
}

// simFleet runs procs until end (each built by its budget, start, stop and
// demand) against a window of rpm requests a minute.
func simFleet(rpm int, end time.Duration, procs ...*simProc) *simResult {
	const step = 10 * time.Millisecond
	t0 := time.Unix(1e9, 0)
	var win []time.Duration
	res := &simResult{procs: procs, bins: make([]simBin, int((end+9*time.Second)/(10*time.Second)))}
	var lastOK time.Duration
	for _, p := range procs {
		p.rateAt = map[time.Duration]float64{}
		p.keptAll, p.reachedRate = -1, -1
	}
	for t := time.Duration(0); t < end; t += step {
		now := t0.Add(t)
		for _, p := range procs {
			if t < p.start || t >= p.stop {
				continue
			}
			if (t-p.start)%(100*time.Millisecond) == 0 {
				g := p.b.grantAt(now, p.demand)
				p.keep = 100 * min(p.demand, g)
				switch {
				case g < p.demand && p.keptAll < 0:
					p.slowed += 100 * time.Millisecond
				case g < p.demand:
					p.slowedLater += 100 * time.Millisecond
				case p.keptAll < 0:
					p.keptAll = t - p.start
				}
				if p.reachedRate < 0 && g >= 0.95*p.b.max {
					p.reachedRate = t - p.start
				}
			}
			if t%(10*time.Second) == 0 {
				p.rateAt[t] = p.b.State().Rate
			}
			p.offered += 100 * p.demand * step.Seconds()
			p.kept += p.keep * step.Seconds()
			p.queue += p.keep * step.Seconds()
			if !p.holding && t >= p.nextTry && (p.queue >= 100 || (p.queue >= 1 && t-p.lastSend >= time.Second)) {
				d, token := p.b.reserve(now)
				if token {
					p.holding, p.sendAt = true, t+d
				} else {
					p.nextTry = t + d
				}
			}
			if !p.holding || t < p.sendAt {
				continue
			}
			p.holding = false
			if !p.b.paused(now).IsZero() {
				continue // the token is forfeited with the rest
			}
			n := min(p.queue, 100)
			cut := 0
			for cut < len(win) && win[cut] <= t-aimdWindow {
				cut++
			}
			win = win[cut:]
			bin := &res.bins[t/(10*time.Second)]
			if len(win) >= rpm {
				ra := max(time.Duration(math.Ceil((win[0]+aimdWindow-t).Seconds()))*time.Second, time.Second)
				res.maxRA = max(res.maxRA, ra)
				p.b.observeAt(now, ra)
				bin.limited++
				p.limitedCount++
				continue
			}
			win = append(win, t)
			p.queue -= n
			p.lastSend = t
			p.accepted++
			bin.accepted++
			bin.events += int(n)
			res.used++
			if t-lastOK > res.longestGap() {
				res.gap.from, res.gap.to = lastOK, t
			}
			lastOK = t
			res.acceptedAt = append(res.acceptedAt, t)
		}
	}
	return res
}

// slowStartAt is the slow start's rate after d of demand above it.
func slowStartAt(full float64, d time.Duration) float64 {
	return min(full*slowStartShare*math.Exp2(d.Seconds()/slowStartDouble.Seconds()), full)
}

// grantEvery calls grantAt every 100 ms from from to to (included), as
// the emitter's loop does, and returns the last grant.
func grantEvery(b *LocalBudget, from, to time.Time, demand float64) float64 {
	var g float64
	for t := from; !t.After(to); t = t.Add(sampleAdjustEvery) {
		g = b.grantAt(t, demand)
	}
	return g
}

func TestLocalBudgetSlowStart(t *testing.T) {
	full := 490.0 / 61
	t0 := time.Unix(1e9, 0)
	b := NewLocalBudget(500)
	require.InDelta(t, full/16, b.grantAt(t0, 100), 1e-9, "starts at 1/16 of the limit")
	require.Equal(t, "local", b.State().Name)
	// doubles every 20 s while the demand is above the rate
	for _, d := range []time.Duration{20, 40, 60, 79} {
		d *= time.Second
		require.InEpsilon(t, slowStartAt(full, d), grantEvery(b, t0.Add(d-19*time.Second), t0.Add(d), 100), 1e-6, "after %v", d)
	}
	require.InDelta(t, full, grantEvery(b, t0.Add(79*time.Second), t0.Add(81*time.Second), 100), 1e-9, "the full rate after 80 s")
	require.False(t, b.slow, "slow start over at the limit")
	require.InDelta(t, full, grantEvery(b, t0.Add(81*time.Second), t0.Add(5*time.Minute), 100), 1e-9)

	// no growth while the process sends less than its rate: a process
	// whose demand is below the start rate is never slowed, and one
	// whose demand is above it is slowed only until the rate reaches it
	b = NewLocalBudget(500)
	require.InDelta(t, full/16, grantEvery(b, t0, t0.Add(time.Minute), 0.4), 1e-9)
	g := grantEvery(b, t0.Add(time.Minute), t0.Add(2*time.Minute), 1)
	require.GreaterOrEqual(t, g, 1.0)
	require.Less(t, g, 1.0*math.Exp2(sampleAdjustEvery.Seconds()/slowStartDouble.Seconds())+1e-9, "stops at the demand")
	require.True(t, b.slow, "still in slow start: a higher demand grows the rate from there")
	require.InEpsilon(t, 2*g, grantEvery(b, t0.Add(2*time.Minute), t0.Add(2*time.Minute+20*time.Second), 100), 1e-6)

	// a loop that stalled counts at most a second of growth
	b = NewLocalBudget(500)
	b.grantAt(t0, 100)
	require.InEpsilon(t, slowStartAt(full, time.Second), b.grantAt(t0.Add(30*time.Second), 100), 1e-9)

	// the bucket starts with one request, not a burst
	b = NewLocalBudget(500)
	d, ok := b.reserve(t0)
	require.True(t, ok)
	require.Zero(t, d)
	d, _ = b.reserve(t0)
	require.InDelta(t, 16/full, d.Seconds(), 1e-3, "the next at the start rate")
}

// A process that knows its share starts at it: the budget redisbudget
// falls back to, and the one the AIMD tests use.
func TestLocalBudgetAtShare(t *testing.T) {
	t0 := time.Unix(1e9, 0)
	b := NewLocalBudgetAtShare(125) // a quarter of the documented limit
	full := 123.0 / 61
	require.InDelta(t, full, b.grantAt(t0, 100), 1e-9)
	require.False(t, b.slow)
	for range 2 { // the burst of 125/50
		d, ok := b.reserve(t0)
		require.True(t, ok)
		require.Zero(t, d)
	}
	// a 429 is AIMD's: the cut from Retry-After, the calm of W+2 s
	b.observeAt(t0, 30*time.Second)
	require.InDelta(t, full/2, b.State().Rate, 1e-9)
	require.InDelta(t, full/2, grantEvery(b, t0.Add(time.Second), t0.Add(32*time.Second), 100), 1e-9)
	require.Greater(t, grantEvery(b, t0.Add(32*time.Second), t0.Add(33*time.Second), 100), full/2)
	require.True(t, math.IsInf(NewLocalBudgetAtShare(-1).Grant(context.Background(), 1), 1))
	require.True(t, math.IsInf(NewLocalBudget(-1).Grant(context.Background(), 1), 1))
}

// The first 429 ends the slow start: the rate becomes the process's
// average over its requests of the last minute, cut by the Retry-After's
// factor, and stays there for a minute (whose 429s pause but do not cut);
// then the additive increase. A short 429 in a process's first minute
// (a newcomer to a fleet at its limit) is AIMD's and the slow start goes
// on.
func TestLocalBudgetSlowStartExit(t *testing.T) {
	full := 490.0 / 61
	t0 := time.Unix(1e9, 0)
	// send runs a budget for d with a backlog, and returns it and the
	// requests of the last minute
	send := func(d time.Duration) (*LocalBudget, int) {
		b := NewLocalBudget(500)
		next, sent := t0, 0
		for now := t0; now.Before(t0.Add(d)); now = now.Add(sampleAdjustEvery) {
			b.grantAt(now, 100)
			for !next.After(now) {
				wait, ok := b.reserve(next)
				require.True(t, ok)
				next = next.Add(wait)
				if next.After(t0.Add(d - time.Minute)) {
					sent++
				}
			}
		}
		return b, sent
	}
	for _, c := range []struct {
		name   string
		after  time.Duration // of sending with a backlog
		ra     time.Duration
		factor float64
	}{
		{"a fleet that filled the window slowly", 70 * time.Second, time.Second, aimdMaxCut},
		{"a young fleet that filled it in 40 s", 40 * time.Second, 20 * time.Second, 2.0 / 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, sent := send(c.after)
			now := t0.Add(c.after)
			before := b.State().Rate
			avg := float64(sent) / min(c.after, time.Minute).Seconds()
			require.Less(t, avg, before)
			b.observeAt(now, c.ra)
			require.False(t, b.slow)
			require.InEpsilon(t, avg*c.factor, b.State().Rate, 0.03, "rate %.3f before, %d requests in the last minute", before, sent)
			r := b.State().Rate
			b.observeAt(now.Add(30*time.Second), time.Second)
			require.InDelta(t, r, b.State().Rate, 1e-9, "no second cut within the minute")
			require.Equal(t, now.Add(31*time.Second), b.paused(now.Add(30*time.Second)), "paused")
			require.InDelta(t, r, grantEvery(b, now.Add(31*time.Second), now.Add(time.Minute), 100), 1e-9, "no growth within the minute")
			require.InDelta(t, r+full*aimdStep*sampleAdjustEvery.Seconds(), b.grantAt(now.Add(time.Minute+100*time.Millisecond), 100), 1e-9, "then AIMD")
			b.observeAt(now.Add(2*time.Minute), time.Second)
			require.Less(t, b.State().Rate, r, "and AIMD's cuts")
		})
	}
	t.Run("a newcomer to a fleet at its limit", func(t *testing.T) {
		b, _ := send(30 * time.Second)
		now := t0.Add(30 * time.Second)
		r := b.State().Rate
		b.observeAt(now, time.Second)
		require.True(t, b.slow, "still probing")
		require.InDelta(t, r*aimdMaxCut, b.State().Rate, 1e-9, "AIMD's cut")
		require.Equal(t, now.Add(time.Second), b.paused(now))
		b.observeAt(now.Add(2*time.Second), time.Second)
		require.InDelta(t, r*aimdMaxCut, b.State().Rate, 1e-9, "the same congestion event")
		// (the first grant after the 3 s pause counts 1 s)
		g := grantEvery(b, now.Add(3*time.Second), now.Add(23*time.Second), 100)
		require.InEpsilon(t, r*aimdMaxCut*math.Exp2(21.0/20), g, 1e-6, "doubling again")
		b.observeAt(now.Add(31*time.Second), time.Second) // past its first minute
		require.False(t, b.slow)
	})
}

// The slow start keeps the bound of the bucket: no rolling minute holds
// more than the limit, whatever the grants.
func TestLocalBudgetSlowStartNeverExceedsRatePerWindow(t *testing.T) {
	for _, rpm := range []int{1, 7, 60, 500, 5000} {
		b := NewLocalBudget(rpm)
		start := time.Unix(1e9, 0)
		now, nextGrant := start, start
		var sent []time.Time
		for now.Sub(start) < 4*time.Minute && len(sent) < 30000 {
			for !nextGrant.After(now) {
				b.grantAt(nextGrant, math.Inf(1))
				nextGrant = nextGrant.Add(sampleAdjustEvery)
			}
			d, _ := b.reserve(now)
			now = now.Add(d)
			sent = append(sent, now)
		}
		require.LessOrEqual(t, busiestMinute(sent), rpm, "rpm %d: requests within 60 s", rpm)
		if rpm >= 60 {
			// the last two minutes at the full rate
			n := 0
			for _, s := range sent {
				if s.Sub(start) >= 2*time.Minute {
					n++
				}
			}
			require.GreaterOrEqual(t, float64(n), 2*float64(rpm)*0.95, "rpm %d: requests in the last 2 minutes", rpm)
		}
	}
}

func simProcs(newBudget func(int) *LocalBudget, n int, demand float64, start, stop time.Duration) []*simProc {
	ps := make([]*simProc, n)
	for i := range ps {
		ps[i] = &simProc{b: newBudget(500), start: start, stop: stop, demand: demand}
	}
	return ps
}

// Four processes of 1,000 events/s start together (simulated, see
// simFleet). At the full rate each (before the slow start, as
// NewLocalBudgetAtShare does) they fill the window in 20 s and nothing
// is accepted for 40 s; slow-starting, the window cannot fill before its
// first requests leave it: no gap, no long Retry-After, and the budget
// used about as well over the run.
func TestLocalBudgetSimColdFleet(t *testing.T) {
	const run = 150 * time.Second
	before := simFleet(500, run, simProcs(NewLocalBudgetAtShare, 4, 10, 0, run)...)
	after := simFleet(500, run, simProcs(NewLocalBudget, 4, 10, 0, run)...)
	t.Logf("before (full rate at start):\n%s\nafter (slow start):\n%s", before, after)
	require.Greater(t, before.longestGap(), 30*time.Second)
	require.Less(t, after.longestGap(), 5*time.Second)
	require.LessOrEqual(t, after.maxRA, 2*time.Second, "every 429 a short one")
	// the first minute's ramp (about 400 of its 500 requests) and the
	// minute after the first 429, whose acceptances follow the ramp's
	// requests out of the window, cost about 15% of the run's requests
	require.Greater(t, float64(after.used), 0.8*float64(before.used), "the budget used")
	for _, n := range []int{5, 6, 8} {
		// larger fleets: the slow start shortens the pause, up to 5
		// processes removes it
		r := simFleet(500, run, simProcs(NewLocalBudget, n, 10, 0, run)...)
		b := simFleet(500, run, simProcs(NewLocalBudgetAtShare, n, 10, 0, run)...)
		t.Logf("%d processes: longest gap %.1f s (full rate at start: %.1f s), longest Retry-After %v (%v)",
			n, r.longestGap().Seconds(), b.longestGap().Seconds(), r.maxRA, b.maxRA)
		if n <= 5 {
			require.Less(t, r.longestGap(), 5*time.Second, "%d processes", n)
		}
		require.Less(t, r.longestGap(), b.longestGap()/2, "%d processes", n)
	}
}

// Three processes settled, a fourth joins at 70 s (simulated): no gap
// after the join, short Retry-Afters only.
func TestLocalBudgetSimJoin(t *testing.T) {
	const run, join = 150 * time.Second, 70 * time.Second
	fleet := func(nb func(int) *LocalBudget) *simResult {
		return simFleet(500, run, append(simProcs(nb, 3, 10, 0, run), simProcs(nb, 1, 10, join, run)...)...)
	}
	before, after := fleet(NewLocalBudgetAtShare), fleet(NewLocalBudget)
	t.Logf("before (full rate at start):\n%s\nafter (slow start):\n%s", before, after)
	require.Greater(t, before.gapAfter(join), 15*time.Second)
	require.Less(t, after.gapAfter(join), 5*time.Second)
	require.LessOrEqual(t, after.maxRA, 2*time.Second)
	require.Positive(t, after.procs[3].accepted)
}

// A lone process reaches the full rate in 80 s and never sees a 429.
func TestLocalBudgetSimLoneProcess(t *testing.T) {
	r := simFleet(500, 3*time.Minute, simProcs(NewLocalBudget, 1, 10, 0, 3*time.Minute)...)
	t.Logf("\n%s", r)
	p := r.procs[0]
	require.Zero(t, r.limited())
	require.Positive(t, p.reachedRate)
	require.LessOrEqual(t, p.reachedRate, 80*time.Second, "95%% of the full rate")
	require.GreaterOrEqual(t, r.bins[10].accepted+r.bins[11].accepted, 155, "the full rate (8.03/s) from then on")
}

// A process whose demand is below its share, beside three heavy ones
// (simulated) for two minutes: one under the start rate is never slowed;
// one between is slowed only until the slow start reaches its demand, and
// the 429s that end the slow start leave it what it needs.
func TestLocalBudgetSimDemandBelowShare(t *testing.T) {
	const run = 2 * time.Minute
	for _, c := range []struct {
		demand float64 // requests a second
		slowed time.Duration
	}{
		{0.4, 0},                // 40 events/s
		{1, 21 * time.Second},   // 100 events/s
		{1.8, 38 * time.Second}, // 180 events/s, under a quarter of the limit
	} {
		ps := simProcs(NewLocalBudget, 3, 10, 0, run)
		light := &simProc{b: NewLocalBudget(500), stop: run, demand: c.demand}
		r := simFleet(500, run, append(ps, light)...)
		t.Logf("demand %.1f requests/s:\n%s", c.demand, r)
		require.LessOrEqual(t, light.slowed, c.slowed, "demand %.1f", c.demand)
		require.Zero(t, light.slowedLater, "demand %.1f", c.demand)
		require.Positive(t, r.limited(), "the heavy ones filled the window")
	}
}
