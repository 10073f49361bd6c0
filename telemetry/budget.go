package telemetry

import (
	"context"
	"time"
)

// Budget paces an emitter's ingest requests and tells its sampler what
// request rate it may count on. The ingest limit (500 requests per rolling
// minute, 100 events each) belongs to the organisation, so every process of
// the org draws on the same budget: NewLocalBudget paces one process,
// starts low and probes up to the limit (a slow start, since it does not
// know its share), and adapts to the others by the server's 429 answers
// (AIMD); the telemetry/redisbudget package shares one budget through
// Redis.
//
// An emitter calls Wait before each request, Observe after each answer, and
// Grant about ten times a second, all from its own goroutines, never from
// Track.
// Implementations must be safe for concurrent use; one Budget may be shared
// by several emitters of a process.
type Budget interface {
	// Wait blocks until one request may be sent, or ctx ends (it then
	// returns ctx's error).
	Wait(ctx context.Context) error
	// Observe reports the answer to a request sent after Wait: limited is
	// true for a 429, with the server's Retry-After (0 when absent).
	Observe(limited bool, retryAfter time.Duration)
	// Grant is told the request rate (requests per second) this process
	// needs to send every event offered to it, and returns the rate it may
	// count on now; math.Inf(1) means no limit. The adaptive sampler keeps
	// about what the returned rate carries. ctx bounds any I/O.
	Grant(ctx context.Context, demand float64) float64
	// State describes the budget now, for Stats.
	State() BudgetState
}

// BudgetState describes a Budget at one moment (Stats.Budget).
type BudgetState struct {
	Name        string    // "local", "unpaced", "redis", ...
	Rate        float64   // requests per second granted to this process; +Inf when unpaced
	Limited     uint64    // 429 answers observed
	PausedUntil time.Time // end of a pause after a 429, zero if none
	// Fallback is true while a shared budget cannot be reached and the
	// process paces itself with its local AIMD budget instead; Err says why.
	Fallback bool
	Err      error
}
