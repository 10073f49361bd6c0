package telemetry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// TestTrackResult evaluates agent outputs in process, tracks the results
// and checks what reached the server over HTTP: the metadata, and none of
// the payload.
func TestTrackResult(t *testing.T) {
	srv := newServer(t)
	em := mustNew(t, fastConfig(srv))
	eng, err := gate.NewEngine(gate.CloudGates(), gate.WithFailFast(false), gate.WithTimeout(time.Minute))
	require.NoError(t, err)

	secret := "contact jane.doe@corp.example.org, ssn 123-45-6789"
	ctx := context.Background()
	res, err := eng.Evaluate(ctx, &gate.Evaluation{AgentID: "agent-g", Tool: "search", Input: secret, Output: secret})
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.NoError(t, em.TrackResult(res))
	ok, err := eng.Evaluate(ctx, &gate.Evaluation{AgentID: "agent-g", Output: "all good"})
	require.NoError(t, err)
	require.NoError(t, em.TrackResult(ok))

	require.ErrorIs(t, em.TrackResult(nil), ErrInvalidEvent)
	require.ErrorIs(t, em.TrackResult(&gate.Result{}), ErrInvalidEvent)
	require.ErrorIs(t, em.TrackResult(&gate.Result{AgentID: "a", Gates: make([]gate.GateResult, 51)}), ErrInvalidEvent)

	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, em.Flush(fctx))
	got := srv.Ingested()
	require.Len(t, got, 2)
	first := got[0]
	if first.Passed {
		first = got[1]
	}
	require.Equal(t, "agent-g", first.AgentID)
	require.Equal(t, "search", first.Tool)
	require.False(t, first.Passed)
	require.Len(t, first.Gates, 3)
	require.Equal(t, "pii", first.Gates[1].Name)
	require.Equal(t, "email address detected", first.Gates[1].Reason)
	require.InDelta(t, res.TotalLatencyMS, first.TotalLatencyMS, 1e-9)
	for _, leak := range []string{"jane", "corp.example", "123-45", "contact", "input", "output", "details"} {
		require.NotContains(t, string(first.Raw), leak)
	}
	st := em.Stats()
	require.Equal(t, uint64(5), st.Tracked)
	require.Equal(t, uint64(3), st.DroppedByReason[ReasonInvalid])
}

func TestTrackResultAllocs(t *testing.T) {
	// testing.AllocsPerRun counts every goroutine's allocations: a real
	// server and the HTTP senders would allocate during the measurement
	// (it failed so under load), so the batches go to a sender that
	// allocates nothing, as in TestTrackAllocatesNothing.
	cfg := Config{PublishableKey: NewKey(testPK), SecretKey: NewKey(testSK), RequestsPerMinute: -1}
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
}
