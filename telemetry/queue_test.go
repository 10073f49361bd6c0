package telemetry

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/stretchr/testify/require"
)

func TestTakeFull(t *testing.T) {
	var q queue
	q.init(100, 4, 1<<20)
	var total int
	for _, n := range []int{60, 60, 60, 30, 100} {
		b := q.newBatch()
		for i := range n {
			ev := event("agent-"+strconv.Itoa(total), i)
			b.rec = appendRecord(b.rec, ev, 1, 0)
			b.n++
			total++
		}
		b.bytes = int64(len(b.rec))
		q.push(b)
	}
	var sizes []int
	var enc recordEncoder
	next := 0
	for b := q.takeFull(100); b != nil; b = q.takeFull(100) {
		sizes = append(sizes, b.n)
		require.EqualValues(t, len(b.rec), b.bytes)
		for rec := b.rec; len(rec) > 0; next++ {
			rec = enc.decode(rec)
			require.Equal(t, "agent-"+strconv.Itoa(next), enc.ev.AgentID, "order kept")
		}
		q.finish(b)
	}
	require.Equal(t, []int{100, 100, 100, 10}, sizes)
	require.Zero(t, q.queuedEvents)
	require.Zero(t, q.listBytes)
	require.Zero(t, q.inflightEvts)
}

// DropOldest used to evict queued batches and then refuse the new event
// anyway, when eviction could not free enough room.
func TestDropOldestDoesNotEvictForNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		cfg := Config{RequestsPerMinute: -1, MaxQueueBytes: minQueueBytes, Overflow: DropOldest, BatchSize: 1, FlushInterval: time.Hour}
		e := fakeEmitter(t, cfg, blockSend(block))
		big := event("big", 0)
		big.Gates = make([]pecta.GateResult, 50)
		for i := range big.Gates {
			big.Gates[i] = pecta.GateResult{Name: strings.Repeat("n", 200), Passed: true, Reason: strings.Repeat("r", 500)}
		}
		if err := e.Track(big); err != nil { // in flight on one sender
			t.Fatal(err)
		}
		if err := e.Track(event("s", 1)); err != nil { // in flight on the other
			t.Fatal(err)
		}
		advanceUntil(t, 5*time.Second, "two batches in flight", func() bool { return e.Stats().InFlight == 2 })
		if err := e.Track(event("s", 2)); err != nil { // queued: the only evictable batch
			t.Fatal(err)
		}
		err := e.Track(big) // needs more room than evicting can free
		st := e.Stats()
		if errors.Is(err, ErrQueueFull) && st.DroppedByReason[ReasonQueueFull] != 1 {
			t.Errorf("evicted queued events and still refused the new one: %v", st)
		}
		checkInvariant(t, st)
		close(block)
		if err := closeNow(t, e, 5*time.Second); err != nil && !errors.As(err, new(*UndeliveredError)) {
			t.Fatal(err)
		}
	})
}
