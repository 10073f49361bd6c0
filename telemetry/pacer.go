package telemetry

import (
	"context"
	"sync"
	"time"

	"github.com/pecta-ai/pecta-go/internal/retry"
)

// pacer is a token bucket shared by the senders. With a limit of R requests
// per minute it holds a burst of b = R/10 tokens (at least 1) and refills
// R-b tokens every 61 s, so no 60 s window ever holds more than R requests,
// even when request latencies vary by up to a second (the server counts
// arrivals). A 429 pauses it until the server's Retry-After.
type pacer struct {
	mu          sync.Mutex
	unpaced     bool
	perSec      float64
	burst       float64
	tokens      float64
	last        time.Time
	pausedUntil time.Time
}

func (p *pacer) init(perMinute int) {
	if perMinute < 0 {
		p.unpaced = true
		return
	}
	burst := max(perMinute/10, 1)
	rate := perMinute - burst
	if rate < 1 {
		rate = 1
	}
	p.burst = float64(burst)
	p.perSec = float64(rate) / 61
	p.tokens = p.burst
	p.last = time.Now()
}

// pause stops every sender until t. No tokens accrue during a pause, and
// unused ones are forfeited: requests reserved before it go out when it
// ends, and must not be joined by a full burst.
func (p *pacer) pause(t time.Time) {
	p.mu.Lock()
	if t.After(p.pausedUntil) {
		p.pausedUntil = t
		if !p.unpaced {
			p.tokens = min(p.tokens, 0)
			if t.After(p.last) {
				p.last = t
			}
		}
	}
	p.mu.Unlock()
}

// paused returns the end of the current pause, or the zero time.
func (p *pacer) paused(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pausedUntil.After(now) {
		return p.pausedUntil
	}
	return time.Time{}
}

// reserve takes a token and returns how long to wait before using it.
func (p *pacer) reserve(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var wait time.Duration
	if d := p.pausedUntil.Sub(now); d > 0 {
		wait = d
	}
	if p.unpaced {
		return wait
	}
	if now.After(p.last) { // p.last is in the future during a pause
		p.tokens += now.Sub(p.last).Seconds() * p.perSec
		if p.tokens > p.burst {
			p.tokens = p.burst
		}
		p.last = now
	}
	p.tokens--
	if p.tokens < 0 {
		wait = max(wait, time.Duration(-p.tokens/p.perSec*float64(time.Second)))
	}
	return wait
}

// wait blocks until a request may be sent, or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	d := p.reserve(time.Now())
	for {
		if err := retry.Sleep(ctx, d); err != nil {
			return err
		}
		// a 429 seen by another sender while we waited extends the pause
		until := p.paused(time.Now())
		if until.IsZero() {
			return nil
		}
		d = time.Until(until)
	}
}
