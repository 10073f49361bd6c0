package telemetry

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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
		if n := busiestMinute(sent); n > rpm {
			t.Fatalf("rpm %d: %d requests within 60s", rpm, n)
		}
		if rpm >= 60 && float64(len(sent)) < 2.8*float64(rpm)*0.95 {
			t.Fatalf("rpm %d: only %d requests in 3 minutes", rpm, len(sent))
		}
	}
}

// busiestMinute returns the most requests sent (at the sorted times sent)
// within one rolling 60 s window.
func busiestMinute(sent []time.Time) int {
	most, j := 0, 0
	for i := range sent {
		for sent[i].Sub(sent[j]) >= time.Minute {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// After a 429 pause, requests reserved before it plus a full burst used to
// exceed the per-minute limit. Simulated time, two senders with a backlog.
func TestBudgetTwoSendersAcrossPause(t *testing.T) {
	for _, rpm := range []int{5, 10, 20, 60, 500} {
		for _, ra := range []time.Duration{5 * time.Second, 30 * time.Second} {
			b := NewLocalBudgetAtShare(rpm) // the full rate at once
			t0 := time.Unix(1e9, 0)
			b.lim.SetBurstAt(t0, b.burst) // the bucket starts full at t0
			var at [2]time.Time           // when each sender's next request goes out
			next := func(i int, now time.Time) {
				for {
					d, token := b.reserve(now)
					now = now.Add(d)
					if token {
						break
					}
				}
				if pu := b.paused(now); !pu.IsZero() {
					now = pu
				}
				at[i] = now
			}
			next(0, t0)
			next(1, t0)
			var sent []time.Time
			paused := false
			for len(sent) < 3000 {
				i := 0
				if at[1].Before(at[0]) {
					i = 1
				}
				now := at[i]
				if now.Sub(t0) > 10*time.Minute {
					break
				}
				if pu := b.paused(now); !pu.IsZero() {
					next(i, pu)
					continue
				}
				sent = append(sent, now)
				if !paused && now.Sub(t0) > 3*time.Minute {
					paused = true
					b.observeAt(now, ra)
				}
				next(i, now)
			}
			if worst := busiestMinute(sent); worst > rpm {
				t.Errorf("rpm %d, Retry-After %v: %d requests in one 60 s window", rpm, ra, worst)
			}
		}
	}
}
