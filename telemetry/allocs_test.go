package telemetry

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/stretchr/testify/require"
)

// Track and TrackResult allocate nothing.

func TestTrackAllocatesNothing(t *testing.T) {
	cfg := Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), RequestsPerMinute: -1}
	set, err := cfg.settings()
	if err != nil {
		t.Fatal(err)
	}
	e := newEmitter(set, func(context.Context, []byte, string) (int, error) { return 100, nil })
	defer e.Close(context.Background())
	ev := event("alloc", 1)
	// warm up: fill the free list and the clock
	for range 5000 {
		_ = e.Track(ev)
	}
	if err := e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	stamped := event("alloc", 2)
	stamped.Timestamp = time.Now()
	allocs := testing.AllocsPerRun(1000, func() {
		if err := e.Track(ev); err != nil {
			t.Fatal(err)
		}
		if err := e.Track(stamped); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Track allocates %.2f per call", allocs/2)
	}
}

func TestTrackResultAllocs(t *testing.T) {
	// testing.AllocsPerRun counts every goroutine's allocations: a real
	// server and the HTTP senders would allocate during the measurement
	// (it failed so under load), so the batches go to a sender that
	// allocates nothing, as in TestTrackAllocatesNothing.
	cfg := Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), RequestsPerMinute: -1}
	set, err := cfg.settings()
	require.NoError(t, err)
	em := newEmitter(set, func(context.Context, []byte, string) (int, error) { return 100, nil })
	defer em.Close(context.Background())
	eng, err := gate.NewEngine(gate.CloudGates(), gate.WithTimeout(time.Minute))
	require.NoError(t, err)
	var res gate.Result
	ev := &gate.Evaluation{AgentID: "agent-a", Output: "fine"}
	require.NoError(t, eng.EvaluateInto(context.Background(), ev, &res))
	for range 1000 { // warm the shard buffers
		require.NoError(t, em.TrackResult(&res))
	}
	require.NoError(t, em.Flush(context.Background()))
	allocs := testing.AllocsPerRun(200, func() {
		if err := em.TrackResult(&res); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	// beyond stackGates the gates are converted in a pooled array
	big := gate.Result{AgentID: "agent-b", Passed: true}
	for i := range 20 {
		big.Gates = append(big.Gates, gate.GateResult{Name: fmt.Sprint("g", i), Passed: true})
	}
	require.NoError(t, em.TrackResult(&big))
	allocs = testing.AllocsPerRun(200, func() {
		if err := em.TrackResult(&big); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}
