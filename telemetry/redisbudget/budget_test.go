package redisbudget_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/pecta-ai/pecta-go/internal/redistest"
	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/redisbudget"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func client(t *testing.T, addr string) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestConfigErrors(t *testing.T) {
	_, err := redisbudget.New(redisbudget.Config{})
	require.Error(t, err)
	withCtx := redis.NewClient(&redis.Options{ContextTimeoutEnabled: true})
	defer withCtx.Close()
	_, err = redisbudget.New(redisbudget.Config{Client: withCtx, RequestsPerMinute: -1})
	require.Error(t, err)
	plain := redis.NewClient(&redis.Options{})
	defer plain.Close()
	_, err = redisbudget.New(redisbudget.Config{Client: plain})
	require.ErrorContains(t, err, "ContextTimeoutEnabled")
}

// Three budgets on one Redis admit, together, what one limit allows: a
// burst of R/50, then R-burst per 61 s.
func TestFleetSharesOneLimit(t *testing.T) {
	srv := redistest.ForTest(t)
	const rpm = 600 // burst 12, then 588 per 61 s: 9.64/s
	var budgets []*redisbudget.Budget
	for range 3 {
		// a generous Timeout: this test is about the shared limit, and a
		// loaded CI machine must not push a budget into its fallback
		b, err := redisbudget.New(redisbudget.Config{Client: client(t, srv.Addr), RequestsPerMinute: rpm, Key: "fleet-test", Timeout: 3 * time.Second})
		require.NoError(t, err)
		budgets = append(budgets, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var mu sync.Mutex
	var admitted []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for _, b := range budgets {
		for range 2 { // two senders per process
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b.Wait(ctx) == nil {
					mu.Lock()
					admitted = append(admitted, time.Now())
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	max := 12 + 588.0/61*elapsed + 1
	min := 12 + 588.0/61*(elapsed-0.5)
	t.Logf("%d admitted in %.2fs (allowed %.1f)", len(admitted), elapsed, max)
	for _, b := range budgets {
		st := b.State()
		require.False(t, st.Fallback, "fell back: %v", st.Err)
	}
	require.LessOrEqual(t, float64(len(admitted)), max, "the fleet exceeded the limit")
	require.GreaterOrEqual(t, float64(len(admitted)), min, "the fleet got less than the limit")
}

// Grants are proportional to demand: a busy process gets more than an idle
// one, and together they get the fleet's rate.
func TestGrantProportionalToDemand(t *testing.T) {
	srv := redistest.ForTest(t)
	busy, err := redisbudget.New(redisbudget.Config{Client: client(t, srv.Addr), Key: "share", Timeout: 3 * time.Second})
	require.NoError(t, err)
	idle, err := redisbudget.New(redisbudget.Config{Client: client(t, srv.Addr), Key: "share", Timeout: 3 * time.Second})
	require.NoError(t, err)
	ctx := context.Background()
	busy.Grant(ctx, 30)
	gi := idle.Grant(ctx, 10)
	gb := busy.Grant(ctx, 30)
	full := 490.0 / 61
	require.InDelta(t, full*3/4, gb, 1e-6)
	require.InDelta(t, full/4, gi, 1e-6)
	require.Equal(t, "redis", busy.State().Name)
	require.InDelta(t, gb, busy.State().Rate, 1e-9)
}

// When Redis stops answering, Wait and Grant fall back to local pacing at
// the last share (never blocking past Timeout), say so in State and the
// log, and return to Redis when it answers again.
func TestFallbackAndRecovery(t *testing.T) {
	srv := redistest.ForTest(t)
	var logs bytes.Buffer
	b, err := redisbudget.New(redisbudget.Config{
		Client: client(t, srv.Addr), Key: "fb", Timeout: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	require.NoError(t, err)
	ctx := context.Background()
	g := b.Grant(ctx, 5)
	require.Greater(t, g, 0.0)
	require.NoError(t, srv.Pause())
	t0 := time.Now()
	require.NoError(t, b.Wait(ctx))
	require.Less(t, time.Since(t0), 2*time.Second, "Wait blocked on a hung Redis")
	st := b.State()
	require.True(t, st.Fallback)
	require.Error(t, st.Err)
	// the fallback is a LocalBudget of g×60 requests per minute: its
	// sustained rate is a little under g (a burst of 1/50 of it comes first)
	require.LessOrEqual(t, st.Rate, g, "the fallback starts at the last share")
	require.Greater(t, st.Rate, 0.95*g, "the fallback starts at the last share")
	require.Contains(t, logs.String(), "redis budget unreachable")
	require.NoError(t, srv.Resume())
	// in fallback Grant asks Redis again once a second (not on every call:
	// a hung Redis would hold the emitter's loop for the timeout each time)
	require.Eventually(t, func() bool { b.Grant(ctx, 5); return !b.State().Fallback },
		10*time.Second, 50*time.Millisecond, "Grant did not go back to Redis")
	require.Contains(t, logs.String(), "reachable again")

	srv.Stop() // gone for good: connection refused
	require.NoError(t, b.Wait(ctx))
	require.True(t, b.State().Fallback)
}

// A 429 (requests from outside the fleet) pauses the budget.
func TestObservePauses(t *testing.T) {
	srv := redistest.ForTest(t)
	b, err := redisbudget.New(redisbudget.Config{Client: client(t, srv.Addr), Key: "pause"})
	require.NoError(t, err)
	b.Observe(true, 1500*time.Millisecond)
	st := b.State()
	require.EqualValues(t, 1, st.Limited)
	require.False(t, st.PausedUntil.IsZero())
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, b.Wait(ctx), context.DeadlineExceeded)
}

// An emitter whose Redis is gone keeps tracking and delivering: it paces
// itself locally and says so in Stats and the log; Track never waits.
func TestEmitterFallsBackWhenRedisIsDown(t *testing.T) {
	srv := pectatest.NewServer()
	defer srv.Close()
	rs := redistest.ForTest(t)
	rdb := client(t, rs.Addr)
	rs.Stop() // connection refused from now on
	var logs bytes.Buffer
	b, err := redisbudget.New(redisbudget.Config{Client: rdb, Timeout: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	em, err := telemetry.New(telemetry.Config{PublishableKey: srv.PublishableKey, BaseURL: srv.URL,
		FlushInterval: 50 * time.Millisecond, Budget: b,
		SampleRate: 1}) // every event kept: Sent is exact below
	require.NoError(t, err)
	ev := &pecta.Event{AgentID: "a", Tool: "t", Passed: true}
	start := time.Now()
	for range 300 {
		require.NoError(t, em.Track(ev))
	}
	// a bound far above scheduling noise on a loaded CI machine: Track's
	// speed is the benchmarks' business, this asserts it does not wait
	require.Less(t, time.Since(start), 2*time.Second, "Track waited")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, em.Flush(ctx))
	st := em.Stats()
	require.True(t, st.Budget.Fallback, "%+v", st.Budget)
	require.Error(t, st.Budget.Err)
	require.EqualValues(t, 300, st.Sent)
	require.NoError(t, em.Close(ctx))
	require.Contains(t, logs.String(), "redis budget unreachable")
}

// In fallback, Grant (called by the emitter's housekeeping loop every
// 100 ms) does not wait for a hung Redis on every call: it asks again once
// per probe interval. Before, 20 calls cost 20 timeouts.
func TestFallbackGrantDoesNotWaitOnEveryCall(t *testing.T) {
	srv := redistest.ForTest(t)
	b, err := redisbudget.New(redisbudget.Config{
		Client: client(t, srv.Addr), Key: "fbw", Timeout: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	ctx := context.Background()
	require.Greater(t, b.Grant(ctx, 5), 0.0)
	require.NoError(t, srv.Pause())
	t.Cleanup(func() { _ = srv.Resume() })
	t0 := time.Now()
	for range 20 {
		require.Greater(t, b.Grant(ctx, 5), 0.0)
	}
	// 20 timeouts would be 2 s; one (plus at most one probe) is ~0.2 s
	require.Less(t, time.Since(t0), time.Second, "Grant waited on the hung Redis on every call")
	require.True(t, b.State().Fallback)
}

// A process that falls back keeps the share it was granted, not the
// fleet's rate: the processes that fall back together stay within the
// fleet's limit.
func TestFallbackKeepsItsShare(t *testing.T) {
	srv := redistest.ForTest(t)
	busy, err := redisbudget.New(redisbudget.Config{Client: client(t, srv.Addr), Key: "keep", Timeout: 3 * time.Second})
	require.NoError(t, err)
	idle, err := redisbudget.New(redisbudget.Config{Client: client(t, srv.Addr), Key: "keep", Timeout: 3 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx := context.Background()
	busy.Grant(ctx, 30)
	gi := idle.Grant(ctx, 10)
	require.InDelta(t, 490.0/61/4, gi, 1e-6)
	srv.Stop()
	idle.Grant(ctx, 10) // connection refused: falls back
	st := idle.State()
	require.True(t, st.Fallback)
	require.LessOrEqual(t, st.Rate, gi)
	require.Greater(t, st.Rate, 0.9*gi)
}
