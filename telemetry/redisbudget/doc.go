// Package redisbudget shares one organisation's ingest budget between
// processes through Redis, so that a fleet of emitters never exceeds the
// documented limit (500 requests per rolling minute) and each process gets
// a share of it proportional to what it offers.
//
// Requests are admitted by a GCRA limiter kept in Redis
// (github.com/go-redis/redis_rate/v10): every process asks it before each
// request, so the fleet as a whole sends at most the limit, whatever the
// number of processes. To size its sampling, each process publishes once a
// tenth of a second the request rate it would need (its demand) and is granted
// limit × demand / (sum of the fleet's demands), so a busy bidder keeps
// more events than an idle one.
//
// Redis is never on the path of Track: only the emitter's sender and loop
// goroutines call it, each call bounded by Config.Timeout. When Redis
// cannot be reached, the budget falls back to a telemetry.LocalBudget
// (AIMD on the server's 429s) of the share it was last granted (share × 60
// requests per minute, so the processes that fall back together stay
// within the fleet's limit); Stats.Budget.Fallback and a log record say
// so, and it returns to Redis as soon as Redis answers again.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	b, err := redisbudget.New(redisbudget.Config{Client: rdb})
//	...
//	em, err := telemetry.New(telemetry.Config{PublishableKey: pk, Budget: b})
//
// # Module
//
// This package is its own Go module, github.com/pecta-ai/pecta-go/telemetry/redisbudget,
// so that a program that does not share its budget through Redis neither
// downloads nor compiles a Redis client:
//
//	go get github.com/pecta-ai/pecta-go/telemetry/redisbudget
//
// It uses internal packages of github.com/pecta-ai/pecta-go, so its version
// moves in step with the root module's: both are tagged on the same commit
// (v0.1.0 and telemetry/redisbudget/v0.1.0), and each release of this module
// requires the root module's release of the same version.
package redisbudget
