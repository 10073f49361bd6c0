package telemetry

import (
	"context"
	"time"
)

// Budget paces an emitter's ingest requests and grants its sampler a
// request rate. The ingest limit belongs to the organisation:
// NewLocalBudget paces one process and adapts to the others by their 429s;
// telemetry/redisbudget shares one budget through Redis. The emitter calls
// Wait before each request, Observe after each answer (limited: a 429 with
// its Retry-After), and Grant ten times a second with the rate it needs
// (Grant returns the rate it may count on; +Inf: no limit), never from
// Track. Implementations are safe for concurrent use.
type Budget interface {
	Wait(ctx context.Context) error
	Observe(limited bool, retryAfter time.Duration)
	Grant(ctx context.Context, demand float64) float64
	State() BudgetState // for Stats
}

// BudgetState describes a Budget at one moment (Stats.Budget).
type BudgetState struct {
	Name        string    // "local", "unpaced", "redis", ...
	Rate        float64   // requests per second granted to this process; +Inf when unpaced
	Limited     uint64    // 429 answers observed
	PausedUntil time.Time // end of a pause after a 429, zero if none
	Fallback    bool      // a shared budget cannot be reached: local pacing (Err says why)
	Err         error
}
