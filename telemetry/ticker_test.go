package telemetry

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The ticker goroutine (clock.go), on the clock of a testing/synctest
// bubble: exact periods, no wall-clock margins.

// countingSend accepts every batch and adds its events to n.
func countingSend(n *atomic.Int64) sendFunc {
	return func(_ context.Context, body []byte, _ string) (int, error) {
		k := bytes.Count(body, []byte(`{"agent_id":`))
		n.Add(int64(k))
		return k, nil
	}
}

// Track never wakes another goroutine: a batch it seals waits until the
// ticker (every millisecond while events flow, after at most one idle
// poll) or a sender finishing a batch picks it up. Full batches must still
// be delivered promptly with no flush tick to help.
func TestSealedBatchesDeliveredWithoutFlushTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var delivered atomic.Int64
		e := fakeEmitter(t, Config{FlushInterval: time.Hour, RequestsPerMinute: -1}, countingSend(&delivered))
		defer closeNow(t, e, time.Second)
		const n = 1000
		for i := range n {
			if err := e.Track(event("a", i)); err != nil {
				t.Fatal(err)
			}
		}
		// at most one partial batch per shard stays open (FlushInterval 1h)
		want := int64(n - 99*len(e.shards))
		advanceUntil(t, idlePoll+10*clockTick, "full batches delivered", func() bool { return delivered.Load() >= want })
		checkInvariant(t, e.Stats())
	})
}

// An idle emitter polls slowly: after idleTicks ticks without a Track the
// ticker wakes every idlePoll, not every millisecond, and Track (which then
// reads time.Now) brings it back to full speed without waking it.
func TestIdleEmitterPollsSlowly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := fakeEmitter(t, Config{FlushInterval: time.Hour, RequestsPerMinute: -1}, acceptAll)
		defer closeNow(t, e, time.Second)
		if err := e.Track(event("a", 0)); err != nil {
			t.Fatal(err)
		}
		advanceUntil(t, idlePoll, "live clock", e.clock.live)
		// act is cleared within actSpan ticks, then idleTicks ticks go by
		advanceUntil(t, (actSpan+idleTicks+1)*clockTick, "idle ticker", func() bool { return !e.clock.live() })
		t0, ticks0 := time.Now(), e.ticks.Load()
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		ticks, elapsed := e.ticks.Load()-ticks0, time.Since(t0)
		if limit := uint64(elapsed/idlePoll) + 2; ticks > limit {
			t.Fatalf("idle ticker woke %d times in %v, want at most %d", ticks, elapsed, limit)
		}
		// activity again: the clock goes live within an idle poll
		if err := e.Track(event("a", 1)); err != nil {
			t.Fatal(err)
		}
		advanceUntil(t, idlePoll, "live clock again", e.clock.live)
		// timestamps stamped from the coarse clock are current
		sec, _ := e.clock.now()
		if d := time.Since(time.Unix(sec, 0)); d < -time.Second || d > 2*time.Second {
			t.Fatalf("clock is %v off", d)
		}
	})
}
