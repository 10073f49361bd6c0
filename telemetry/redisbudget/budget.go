package redisbudget

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/pecta-ai/pecta-go/internal/retry"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// Defaults applied to zero-valued Config fields.
const (
	DefaultKey               = "pecta:ingest"
	DefaultRequestsPerMinute = telemetry.DefaultRequestsPerMinute
	DefaultTimeout           = 500 * time.Millisecond
)

// demandTTL is how long a process's published demand counts after its last
// update: a process that stopped leaves the shares within it.
const demandTTL = 5 * time.Second

// Config configures a Budget.
type Config struct {
	// Client is the Redis client (a *redis.Client, a cluster or a ring
	// client). Required. The Budget never closes it. Its options must set
	// ContextTimeoutEnabled, so that Timeout bounds every call even when
	// Redis hangs (go-redis otherwise waits its ReadTimeout, 3 s).
	Client redis.UniversalClient
	// Key names the budget in Redis: every process of one organisation
	// must use the same key. Default DefaultKey.
	Key string
	// RequestsPerMinute is the organisation's ingest limit. Default 500.
	RequestsPerMinute int
	// Timeout bounds each Redis call; a call that fails or times out
	// switches the budget to its local fallback. Default 500ms.
	Timeout time.Duration
	// Logger receives one record when the budget falls back to local
	// pacing and one when it returns to Redis. Default: slog.Default().
	Logger *slog.Logger
}

// Budget is a telemetry.Budget shared through Redis. Create it with New;
// it is safe for concurrent use and may be shared by several emitters of a
// process (they then share its grant).
type Budget struct {
	rdb     redis.UniversalClient
	lim     *redis_rate.Limiter
	limit   redis_rate.Limit
	key     string
	id      string // this process's field in the demand hash
	timeout time.Duration
	log     *slog.Logger
	perSec  float64 // the fleet's rate
	// pace holds this process near its share before it asks Redis, so that
	// one process cannot take the slots the others' samplers count on
	// (it would then send partial batches while they fall behind)
	pace *rate.Limiter

	mu sync.Mutex
	// local paces the process while Redis cannot be reached, at the share
	// last granted; nil while Redis answers
	local       *telemetry.LocalBudget
	err         error
	nextProbe   time.Time // in fallback, Grant asks Redis again from then on
	grant       float64
	limited     uint64
	pausedUntil time.Time
}

// New returns a Budget. It does not contact Redis: an unreachable Redis
// shows as a fallback in Stats and the log once the emitter runs.
func New(cfg Config) (*Budget, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisbudget: Config.Client is required")
	}
	var ctxTimeouts bool
	switch c := cfg.Client.(type) {
	case *redis.Client:
		ctxTimeouts = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		ctxTimeouts = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		ctxTimeouts = c.Options().ContextTimeoutEnabled
	default:
		ctxTimeouts = true // cannot tell
	}
	if !ctxTimeouts {
		return nil, errors.New("redisbudget: Config.Client must be created with ContextTimeoutEnabled: true, or a hung Redis holds each request for the client's ReadTimeout")
	}
	rpm := cfg.RequestsPerMinute
	switch {
	case rpm == 0:
		rpm = DefaultRequestsPerMinute
	case rpm < 0:
		return nil, errors.New("redisbudget: Config.RequestsPerMinute must not be negative")
	}
	b := &Budget{
		rdb:     cfg.Client,
		lim:     redis_rate.NewLimiter(cfg.Client),
		key:     cfg.Key,
		timeout: cfg.Timeout,
		log:     cfg.Logger,
	}
	if b.key == "" {
		b.key = DefaultKey
	}
	if b.timeout <= 0 {
		b.timeout = DefaultTimeout
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	// the same shape as LocalBudget: a burst of R/50, R-burst per 61 s, so
	// that no rolling 60 s window of arrivals holds more than R requests
	burst := max(rpm/50, 1)
	b.limit = redis_rate.Limit{Rate: max(rpm-burst, 1), Burst: burst, Period: 61 * time.Second}
	b.perSec = float64(b.limit.Rate) / b.limit.Period.Seconds()
	b.grant = b.perSec
	b.pace = rate.NewLimiter(rate.Limit(b.perSec*paceSlack), paceBurst)
	var id [8]byte
	_, _ = rand.Read(id[:])
	b.id = hex.EncodeToString(id[:])
	return b, nil
}

// Wait blocks until the fleet's limiter admits one request, or ctx ends.
func (b *Budget) Wait(ctx context.Context) error {
	for {
		if d := b.paused(); d > 0 {
			if err := retry.Sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		if local := b.fallback(); local != nil {
			return local.Wait(ctx)
		}
		if !b.pace.Allow() {
			// poll: the share changes ten times a second
			if err := retry.Sleep(ctx, paceWait(b.pace)); err != nil {
				return err
			}
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, b.timeout)
		res, err := b.lim.Allow(cctx, b.key, b.limit)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.fail(err)
			continue
		}
		if res.Allowed > 0 {
			return nil
		}
		if err := retry.Sleep(ctx, max(res.RetryAfter, time.Millisecond)); err != nil {
			return err
		}
	}
}

// Observe pauses after a 429 (requests from outside the fleet, or a limit
// lower than configured) and tells the local fallback, if any.
func (b *Budget) Observe(limited bool, retryAfter time.Duration) {
	if local := b.fallback(); local != nil {
		local.Observe(limited, retryAfter)
	}
	if !limited {
		return
	}
	b.mu.Lock()
	b.limited++
	if t := time.Now().Add(max(retryAfter, time.Second)); t.After(b.pausedUntil) {
		b.pausedUntil = t
	}
	b.mu.Unlock()
}

// Grant publishes this process's demand and returns its share of the
// fleet's rate, proportional to its demand. In fallback it retries Redis
// once per second and otherwise returns the local budget's rate.
func (b *Budget) Grant(ctx context.Context, demand float64) float64 {
	if math.IsNaN(demand) || math.IsInf(demand, 0) || demand < 0 {
		demand = 0
	}
	b.mu.Lock()
	local := b.local
	wait := local != nil && time.Now().Before(b.nextProbe)
	b.mu.Unlock()
	if wait {
		// Grant runs on the emitter's housekeeping loop every 100 ms: a
		// Redis that hangs would hold the loop for the whole timeout each
		// time, so in fallback it is probed once per fallbackProbe only.
		return local.Grant(ctx, demand)
	}
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	total, err := publish.Run(cctx, b.rdb, []string{b.key + ":demand"},
		b.id, strconv.FormatFloat(demand, 'g', 6, 64), demandTTL.Milliseconds()).Text()
	if err != nil {
		if ctx.Err() == nil {
			return b.fail(err).Grant(ctx, demand)
		}
		// the caller gave up: no verdict on Redis
		if local != nil {
			return local.Grant(ctx, demand)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.grant
	}
	sum, err := strconv.ParseFloat(total, 64)
	if err != nil {
		return b.fail(err).Grant(ctx, demand)
	}
	g := b.perSec
	if sum > 0 && demand > 0 {
		g = b.perSec * min(demand/sum, 1)
	}
	b.mu.Lock()
	if b.local != nil {
		b.local, b.err = nil, nil
		b.log.Info("telemetry: redis budget reachable again; pacing through redis")
	}
	b.grant = g
	b.mu.Unlock()
	b.pace.SetLimit(rate.Limit(max(g*paceSlack, b.perSec*paceFloor)))
	return g
}

// State reports the share granted, or the local fallback's state.
func (b *Budget) State() telemetry.BudgetState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.local != nil {
		st := b.local.State()
		st.Name, st.Fallback, st.Err = "redis", true, b.err
		st.Limited = b.limited
		return st
	}
	st := telemetry.BudgetState{Name: "redis", Rate: b.grant, Limited: b.limited}
	if b.pausedUntil.After(time.Now()) {
		st.PausedUntil = b.pausedUntil
	}
	return st
}

func (b *Budget) paused() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Until(b.pausedUntil)
}

// fallback returns the local budget in use while Redis cannot be
// reached, or nil.
func (b *Budget) fallback() *telemetry.LocalBudget {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.local
}

// fail switches to a local budget sized to the share last granted, and
// returns it. Within one outage the same local budget stays in use, so its
// AIMD state (429s, pauses, cuts) carries on.
func (b *Budget) fail(err error) *telemetry.LocalBudget {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = err
	b.nextProbe = time.Now().Add(fallbackProbe)
	if b.local != nil {
		return b.local
	}
	b.local = telemetry.NewLocalBudgetAtShare(shareToRPM(b.grant))
	b.log.Warn("telemetry: redis budget unreachable; pacing locally (AIMD on 429) until it answers",
		slog.String("error", err.Error()))
	return b.local
}

// shareToRPM turns a share granted in requests per second into the limit
// of a LocalBudget: share × 60 requests per minute, rounded down and at
// least 1. A LocalBudget of R per minute admits at most R requests in any
// rolling minute, so the processes that fall back together stay within
// the shares that add up to the fleet's limit.
func shareToRPM(perSecond float64) int {
	rpm := math.Floor(perSecond * 60)
	if !(rpm >= 1) { // NaN too
		return 1
	}
	return int(min(rpm, math.MaxInt32))
}

// fallbackProbe is how often Grant asks an unreachable Redis again.
const fallbackProbe = time.Second

// Pacing within the share: up to 5% above it (the others' unused share
// goes to whoever asks), at least 2% of the fleet's rate.
const (
	paceSlack = 1.05
	paceFloor = 0.02
	paceBurst = 2
)

// paceWait is how long until lim has a token, at most 50 ms.
func paceWait(lim *rate.Limiter) time.Duration {
	need := 1 - lim.Tokens()
	if need <= 0 || lim.Limit() <= 0 {
		return time.Millisecond
	}
	return min(time.Duration(need/float64(lim.Limit())*float64(time.Second)), 50*time.Millisecond)
}

// publish records this process's demand (ARGV[1] id, ARGV[2] demand,
// ARGV[3] ttl in ms) with the server's clock, forgets processes silent for
// longer than the ttl, and returns the fleet's total demand.
var publish = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. now)
local all = redis.call('HGETALL', KEYS[1])
local sum = 0
for i = 1, #all, 2 do
  local v = all[i + 1]
  local sp = string.find(v, ' ', 1, true)
  local d = tonumber(string.sub(v, 1, sp - 1))
  local at = tonumber(string.sub(v, sp + 1))
  if now - at > ttl then
    redis.call('HDEL', KEYS[1], all[i])
  else
    sum = sum + d
  end
end
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return tostring(sum)
`)
