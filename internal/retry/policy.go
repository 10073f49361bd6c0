// Package retry holds the SDK's retry timing: jittered exponential backoff
// (backoff/v4) with a server's Retry-After as a capped floor, waits that end
// on context cancellation, and the rule that a wait which would pass the
// context's deadline is not started.
package retry

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Defaults used when a Policy field is zero.
const (
	DefaultMaxRetries    = 3
	DefaultMinWait       = 250 * time.Millisecond
	DefaultMaxWait       = 8 * time.Second
	DefaultRetryAfterCap = 30 * time.Second
)

// Policy says how long to wait before retry number attempt (0-based).
// The zero value uses the defaults above.
type Policy struct {
	MinWait       time.Duration // first backoff step
	MaxWait       time.Duration // cap on a backoff step
	RetryAfterCap time.Duration // cap on a server's Retry-After
}

func (p Policy) withDefaults() Policy {
	if p.MinWait <= 0 {
		p.MinWait = DefaultMinWait
	}
	if p.MaxWait <= 0 {
		p.MaxWait = DefaultMaxWait
	}
	if p.MaxWait < p.MinWait {
		p.MaxWait = p.MinWait
	}
	if p.RetryAfterCap <= 0 {
		p.RetryAfterCap = DefaultRetryAfterCap
	}
	return p
}

// NewBackOff returns a fresh backoff/v4 exponential backoff for this policy:
// multiplier 2, randomization factor 0.5, no elapsed-time limit (callers
// bound attempts and contexts bound time).
func (p Policy) NewBackOff() *backoff.ExponentialBackOff {
	p = p.withDefaults()
	b := &backoff.ExponentialBackOff{
		InitialInterval:     p.MinWait,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         p.MaxWait,
		MaxElapsedTime:      0,
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	b.Reset()
	return b
}

// Backoff returns the jittered wait before retry number attempt (0-based),
// without any server hint.
func (p Policy) Backoff(attempt int) time.Duration {
	b := p.NewBackOff()
	d := b.NextBackOff()
	for i := 0; i < attempt && i < 64; i++ {
		d = b.NextBackOff()
	}
	// backoff/v4 randomizes around an interval already capped at MaxWait:
	// clamp, so the cap is a cap
	return min(d, p.withDefaults().MaxWait)
}

// Delay combines the backoff for attempt with a server's Retry-After:
// max(backoff, min(retryAfter, RetryAfterCap)).
func (p Policy) Delay(attempt int, retryAfter time.Duration) time.Duration {
	p = p.withDefaults()
	d := p.Backoff(attempt)
	if retryAfter > p.RetryAfterCap {
		retryAfter = p.RetryAfterCap
	}
	if retryAfter > d {
		// A little jitter above the floor spreads clients that were told
		// the same instant, never past the cap.
		d = min(retryAfter+time.Duration(rand.Int64N(int64(retryAfter/10)+1)), p.RetryAfterCap)
	}
	return d
}

// ParseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
// It reports false when the value is absent or unreadable. Negative or past
// values give 0.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs != secs {
			return 0, true
		}
		if secs > 1e9 { // ~31 years; keeps the Duration from overflowing
			secs = 1e9
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// FitsDeadline reports whether a wait of d could end before ctx's deadline.
func FitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// Sleep waits d or until ctx ends, whichever is first, and returns ctx's
// error in the latter case. It leaves no timer behind.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
