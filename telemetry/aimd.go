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
// (golang.org/x/time/rate) that paces one process within the documented
// limit (no rolling 60 s window holds more than R requests) and adapts to
// the other processes of the organisation by their 429s. NewLocalBudget
// does not know its share, so it starts low and probes up (a slow start,
// the full rate 80 s after it starts unless a 429 comes); after a 429 it
// pauses for the Retry-After, cuts its rate by what the Retry-After says
// about the fleet, and probes up again slowly (AIMD). The design, with its
// constants, is in docs/telemetry-high-volume.md.
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
	slow        bool      // slow start: no 429 yet, the rate grows multiplicatively
	grantedAt   time.Time // the last Grant, whose interval the slow start's growth uses
	demand      float64   // the last Grant's
	sent        sentLog   // the requests of the last minute, kept in slow start
}

// sentLog counts requests per second over the last window.
type sentLog struct {
	first time.Time // the first request
	n     [60]int32
	sec   [60]int64 // the Unix second n[i] counts
}

func (l *sentLog) add(now time.Time) {
	if l.first.IsZero() {
		l.first = now
	}
	s := now.Unix()
	i := s % 60
	if l.sec[i] != s {
		l.sec[i], l.n[i] = s, 0
	}
	l.n[i]++
}

// rate is the average request rate over the last window, or since the
// first request when that is more recent (at least one second); none if
// nothing was sent.
func (l *sentLog) rate(now time.Time, none float64) float64 {
	if l.first.IsZero() {
		return none
	}
	s := now.Unix()
	var n int32
	for i := range l.n {
		if s-l.sec[i] < 60 {
			n += l.n[i]
		}
	}
	return float64(n) / min(max(now.Sub(l.first), time.Second), aimdWindow).Seconds()
}

// AIMD tuning of LocalBudget.
const (
	aimdWindow    = time.Minute // the documented rolling window
	aimdMaxCut    = 0.9         // the smallest cut: rate *= 0.9
	aimdMinFactor = 1.0 / 64
	aimdStep      = 0.0005 // additive increase per second, share of the limit
	aimdCalm      = 2 * time.Second

	// slowStartShare is the rate a slow start begins at, a share of the
	// full rate r (490/61 requests/s at the documented limit), and
	// slowStartDouble how long its rate takes to double. A fleet of n
	// processes starting together sends n × r/16 × 20 s/ln 2 × (2^3 - 1)
	// ≈ 100n requests in its first minute, fewer than a window's 500 for
	// n ≤ 5; a process alone reaches r after 4 doublings, 80 s. A larger
	// start or a faster doubling fills the window within the first minute
	// for four processes; a smaller one slows processes of modest demand
	// for longer (one offering 100 events/s waits 20 s for its rate).
	slowStartShare  = 1.0 / 16
	slowStartDouble = 20 * time.Second
	// slowStartShortRetry is the longest Retry-After that says the
	// window holds a whole minute of requests (its oldest leaves within
	// it), not a burst.
	slowStartShortRetry = 2 * time.Second
	// slowStartMaxStep bounds the interval between two Grants that the
	// growth counts, so that a loop that stalled does not jump the rate.
	slowStartMaxStep = time.Second
)

// NewLocalBudget returns a budget of requestsPerMinute ingest requests
// (the organisation's limit) that slow-starts; negative: unpaced.
func NewLocalBudget(requestsPerMinute int) *LocalBudget {
	return newLocalBudget(requestsPerMinute, true)
}

// NewLocalBudgetAtShare returns an in-process budget for a process that
// knows its share of the organisation's limit, requestsPerMinute: it
// starts at that rate instead of slow-starting (and adapts to 429s like
// NewLocalBudget's). telemetry/redisbudget paces with one at the share it
// was last granted while Redis cannot be reached. A negative value means
// unpaced.
func NewLocalBudgetAtShare(requestsPerMinute int) *LocalBudget {
	return newLocalBudget(requestsPerMinute, false)
}

func newLocalBudget(requestsPerMinute int, slow bool) *LocalBudget {
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
	if slow && b.max*slowStartShare > b.min {
		b.slow = true
		b.setRate(time.Now(), b.max*slowStartShare)
		// one request at once, not a burst into a window others may fill
		b.lim.AllowN(time.Now(), b.burst-1)
	}
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
	d := b.lim.ReserveN(now, 1).DelayFrom(now)
	if b.slow {
		b.sent.add(now.Add(d))
	}
	return d, true
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
	// A 429 ends the slow start, except a short one (the window holds a
	// minute of requests: a fleet at its limit) in the process's first
	// minute: a process joining a busy fleet takes AIMD's cut and keeps
	// probing for its share, which the others make room for as 429s
	// reach them too.
	joining := w <= slowStartShortRetry && now.Sub(b.sent.first) < aimdWindow
	exit := b.slow && !joining
	if exit {
		b.slow = false
	}
	if b.unpaced || now.Before(b.calmAfter) {
		return // the same congestion event
	}
	f := min(max(1-w.Seconds()/aimdWindow.Seconds(), aimdMinFactor), aimdMaxCut)
	r, calm := b.rate, w+aimdCalm
	if exit {
		// the window the server says is full holds this process's
		// requests of the last minute: it takes their average rate, and
		// neither cuts again nor grows for a minute, whose 429s are the
		// slow start's own requests leaving the window
		r, calm = min(r, b.sent.rate(now, r)), aimdWindow
	}
	r *= f
	if exit && b.demand <= b.rate {
		// its rate covered its demand: it is not short of budget, and
		// keeps what it needs (the processes that are make room)
		r = max(r, b.demand)
	}
	b.setRate(now, r)
	b.calmAfter = now.Add(calm)
}

// Grant grows the rate while demand exceeds it, multiplicatively in slow
// start and additively after it, and returns it.
func (b *LocalBudget) Grant(_ context.Context, demand float64) float64 {
	return b.grantAt(time.Now(), demand)
}

func (b *LocalBudget) grantAt(now time.Time, demand float64) float64 {
	if b.unpaced {
		return math.Inf(1)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var dt time.Duration
	if !b.grantedAt.IsZero() {
		dt = min(max(now.Sub(b.grantedAt), 0), slowStartMaxStep)
	}
	b.grantedAt, b.demand = now, demand
	switch {
	case demand <= b.rate || b.rate >= b.max:
	case b.slow:
		b.setRate(now, b.rate*math.Exp2(dt.Seconds()/slowStartDouble.Seconds()))
		b.slow = b.rate < b.max
	case now.After(b.calmAfter):
		b.setRate(now, b.rate+b.max*aimdStep*sampleAdjustEvery.Seconds())
	}
	return b.rate
}

func (b *LocalBudget) setRate(now time.Time, r float64) {
	b.rate = min(max(r, b.min), b.max)
	b.lim.SetLimitAt(now, rate.Limit(b.rate))
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
