package telemetry

import (
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Track never wakes another goroutine: a batch it seals waits on a
// lock-free stack until the ticker (every millisecond while events flow)
// or a sender finishing a batch picks it up. Full batches must still be
// delivered promptly with no flush tick to help.
func TestSealedBatchesDeliveredWithoutFlushTick(t *testing.T) {
	s := newSink(t)
	e := mustNew(t, Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: s.srv.URL, FlushInterval: time.Hour, RequestsPerMinute: -1})
	const n = 1000
	for i := range n {
		if err := e.Track(event("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	// at most one partial batch per shard stays open (FlushInterval 1h)
	want := int64(n - 99*len(e.shards))
	waitFor(t, 5*time.Second, "full batches delivered", func() bool { return s.events.Load() >= want })
	checkInvariant(t, e.Stats())
}

// An idle emitter polls slowly: after idleTicks ticks without a Track the
// ticker wakes every idlePoll, not every millisecond, and Track (which then
// reads time.Now) brings it back to full speed without waking it.
func TestIdleEmitterPollsSlowly(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the idle switch (1 s)")
	}
	s := newSink(t)
	e := mustNew(t, Config{PublishableKey: pecta.NewAPIKey(testPK), BaseURL: s.srv.URL, FlushInterval: time.Hour, RequestsPerMinute: -1})
	if err := e.Track(event("a", 0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the clock to go live", func() bool { return e.clock.live() })
	waitFor(t, 5*time.Second, "the ticker to go idle", func() bool { return !e.clock.live() })
	t0, ticks0 := time.Now(), e.ticks.Load()
	<-time.After(500 * time.Millisecond)
	ticks, elapsed := e.ticks.Load()-ticks0, time.Since(t0)
	if limit := uint64(elapsed/idlePoll) + 2; ticks > limit {
		t.Fatalf("idle ticker woke %d times in %v, want at most %d", ticks, elapsed, limit)
	}
	// activity again: the clock goes live within an idle poll
	before := time.Now()
	if err := e.Track(event("a", 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the clock to go live again", func() bool { return e.clock.live() })
	if d := time.Since(before); d > 10*idlePoll {
		t.Fatalf("ticker took %v to notice activity", d)
	}
	// timestamps stamped from the coarse clock are current
	sec, _ := e.clock.now()
	if d := time.Since(time.Unix(sec, 0)); d < -time.Second || d > 2*time.Second {
		t.Fatalf("clock is %v off", d)
	}
}
