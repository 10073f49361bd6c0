package telemetry

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pecta-ai/pecta-go/internal/retry"
)

// LocalBudget is the default Budget: a token bucket
// (golang.org/x/time/rate) that paces one process to the documented limit,
// and cuts its rate when the server answers 429 because other processes of
// the organisation draw on the same budget (AIMD: multiplicative decrease,
// additive increase).
//
// With a limit of R requests per minute the bucket holds a burst of
// b = R/50 (at least 1) and refills R-b every 61 s, so no rolling 60 s
// window holds more than R requests even when request latencies vary by a
// second (the server counts arrivals), and a lone process sends about 96%
// of R.
//
// On a 429 it pauses every request until the server's Retry-After (at most
// the 60 s window), starts the pause with an empty bucket, and cuts its
// rate once per congestion event. The cut uses what the Retry-After says
// about the fleet: the server's window is full and its oldest request
// leaves in W seconds, so the organisation sent a full window in 60-W
// seconds and each process's fair rate is its rate times (60-W)/60; the
// cut is that factor, at most 0.9 and at least 1/64. While the process
// offers more than its rate and no 429 came for a while, the rate grows by
// 0.05% of the limit each second, so a fleet finds the limit again slowly
// (one congestion event every minute or two for a handful of processes)
// instead of overshooting it.
type LocalBudget struct {
	mu          sync.Mutex
	unpaced     bool
	lim         *rate.Limiter
	max, min    float64 // requests per second
	rate        float64
	burst       int
	pausedUntil time.Time
	calmAfter   time.Time // no cut, and no increase, before this
	drain       bool      // empty the bucket when the pause ends
	limited     uint64
}

// AIMD tuning of LocalBudget.
const (
	aimdWindow    = time.Minute // the documented rolling window
	aimdMaxCut    = 0.9         // the smallest cut: rate *= 0.9
	aimdMinFactor = 1.0 / 64
	aimdStep      = 0.0005 // additive increase per second, share of the limit
	aimdCalm      = 2 * time.Second
)

// NewLocalBudget returns an in-process budget of requestsPerMinute ingest
// requests; a negative value means unpaced (and Grant returns +Inf).
func NewLocalBudget(requestsPerMinute int) *LocalBudget {
	b := &LocalBudget{}
	if requestsPerMinute < 0 {
		b.unpaced = true
		return b
	}
	requestsPerMinute = max(requestsPerMinute, 1)
	b.burst = max(requestsPerMinute/50, 1)
	refill := max(requestsPerMinute-b.burst, 1)
	b.max = float64(refill) / 61
	b.min = b.max * aimdMinFactor
	b.rate = b.max
	b.lim = rate.NewLimiter(rate.Limit(b.rate), b.burst)
	return b
}

// Wait blocks until a request may be sent or ctx ends.
func (b *LocalBudget) Wait(ctx context.Context) error {
	for {
		d, token := b.reserve(time.Now())
		if err := retry.Sleep(ctx, d); err != nil {
			return err
		}
		// a 429 seen by another request while we waited starts a pause:
		// the token is forfeited with the rest
		if token && b.paused(time.Now()).IsZero() {
			return nil
		}
	}
}

// reserve takes a token at now and returns how long to wait before using
// it; during a pause it takes none and returns the pause's remainder.
func (b *LocalBudget) reserve(now time.Time) (wait time.Duration, token bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := b.pausedUntil.Sub(now); d > 0 {
		return d, false
	}
	if b.unpaced {
		return 0, true
	}
	if b.drain {
		// the pause ended: no burst into a window that has just freed a slot
		b.drain = false
		b.lim = rate.NewLimiter(rate.Limit(b.rate), b.burst)
		b.lim.AllowN(now, b.burst)
	}
	return b.lim.ReserveN(now, 1).DelayFrom(now), true
}

// paused returns the end of the current pause, or the zero time.
func (b *LocalBudget) paused(now time.Time) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pausedUntil.After(now) {
		return b.pausedUntil
	}
	return time.Time{}
}

// Observe pauses and cuts the rate on a 429.
func (b *LocalBudget) Observe(limited bool, retryAfter time.Duration) {
	if limited {
		b.observeAt(time.Now(), retryAfter)
	}
}

func (b *LocalBudget) observeAt(now time.Time, retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limited++
	w := min(max(retryAfter, time.Second), aimdWindow)
	if until := now.Add(w); until.After(b.pausedUntil) {
		b.pausedUntil = until
		b.drain = !b.unpaced
	}
	if b.unpaced || now.Before(b.calmAfter) {
		return // the same congestion event
	}
	f := min(max(1-w.Seconds()/aimdWindow.Seconds(), aimdMinFactor), aimdMaxCut)
	b.setRate(b.rate * f)
	b.calmAfter = now.Add(w + aimdCalm)
}

// Grant grows the rate additively while demand exceeds it, and returns it.
func (b *LocalBudget) Grant(_ context.Context, demand float64) float64 {
	return b.grantAt(time.Now(), demand)
}

func (b *LocalBudget) grantAt(now time.Time, demand float64) float64 {
	if b.unpaced {
		return math.Inf(1)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.After(b.calmAfter) && demand > b.rate && b.rate < b.max {
		b.setRate(b.rate + b.max*aimdStep*sampleAdjustEvery.Seconds())
	}
	return b.rate
}

func (b *LocalBudget) setRate(r float64) {
	b.rate = min(max(r, b.min), b.max)
	b.lim.SetLimit(rate.Limit(b.rate))
}

// State reports the current rate, the 429s seen and any pause.
func (b *LocalBudget) State() BudgetState {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := BudgetState{Name: "local", Rate: b.rate, Limited: b.limited, PausedUntil: pausedAfter(b.pausedUntil)}
	if b.unpaced {
		st.Name, st.Rate = "unpaced", math.Inf(1)
	}
	return st
}

func pausedAfter(t time.Time) time.Time {
	if t.After(time.Now()) {
		return t
	}
	return time.Time{}
}
