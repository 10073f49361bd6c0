package telemetry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta"
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

// TrackResult converts gates on the stack up to stackGates and in a pooled
// array beyond: every size reaches the server as r.Event() would, gate by
// gate, including reasons and skipped gates.
func TestTrackResultEverySize(t *testing.T) {
	srv := newServer(t)
	em := mustNew(t, fastConfig(srv))
	sizes := []int{0, 1, stackGates - 1, stackGates, stackGates + 1, 20, pecta.MaxGates}
	want := map[string]pecta.Event{}
	for _, n := range sizes {
		r := &gate.Result{AgentID: fmt.Sprintf("agent-%d", n), Tool: "t", TotalLatencyMS: float64(n) + 0.5}
		for i := range n {
			g := gate.GateResult{Name: fmt.Sprintf("gate-%02d", i) + strings.Repeat("x", i%25), Passed: i%3 != 1, LatencyMS: float64(i) / 8}
			if !g.Passed {
				g.Reason = fmt.Sprintf("failed at %d", i)
			}
			if i%5 == 4 {
				g.Passed, g.Skipped, g.Reason = true, true, "skipped"
			}
			r.Gates = append(r.Gates, g)
		}
		r.Passed = !slices.ContainsFunc(r.Gates, func(g gate.GateResult) bool { return !g.Passed })
		require.NoError(t, em.TrackResult(r), "%d gates", n)
		want[r.AgentID] = r.Event()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, em.Flush(ctx))
	got := srv.Ingested()
	require.Len(t, got, len(sizes))
	for _, g := range got {
		w, ok := want[g.AgentID]
		require.True(t, ok, g.AgentID)
		require.Equal(t, w.Tool, g.Tool)
		require.Equal(t, w.Passed, g.Passed, g.AgentID)
		require.Equal(t, w.TotalLatencyMS, g.TotalLatencyMS)
		require.Len(t, g.Gates, len(w.Gates))
		for i, wg := range w.Gates {
			require.Equal(t, wg, g.Gates[i], "%s gate %d", g.AgentID, i)
		}
	}
}

// TrackResult samples before it builds the event, as Track does: a result
// sampled out is counted under "sampled" (even one Track would refuse as
// invalid), and after Close a result is refused with ErrClosed.
func TestTrackResultSamplesFirst(t *testing.T) {
	em := fakeEmitter(t, Config{RequestsPerMinute: -1, SampleRate: 1e-12}, nil)
	r := rtbResult()
	for range 1000 {
		require.NoError(t, em.TrackResult(r))
	}
	require.NoError(t, em.TrackResult(&gate.Result{Gates: make([]gate.GateResult, 3)})) // no agent: sampled out first
	st := em.Stats()
	require.Equal(t, uint64(1001), st.DroppedByReason[ReasonSampled], "%v", st)
	require.Equal(t, uint64(1001), st.Dropped, "%v", st)
	require.NoError(t, em.Close(context.Background()))
	require.ErrorIs(t, em.TrackResult(r), ErrClosed)
	require.Equal(t, uint64(1), em.Stats().DroppedByReason[ReasonClosed])
}

// The sampling decision is made once per TrackResult, before the event is
// built: a result sampled out costs no allocation even when building its
// event would allocate (more than pecta.MaxGates gates), and a SampleRate
// of 0.5 keeps half the results (sampling twice would keep a quarter).
func TestTrackResultSamplesOnceBeforeBuilding(t *testing.T) {
	out := fakeEmitter(t, Config{RequestsPerMinute: -1, SampleRate: 1e-12}, nil)
	defer out.Close(context.Background())
	big := &gate.Result{AgentID: "agent-big", Gates: make([]gate.GateResult, pecta.MaxGates+1)}
	require.NoError(t, out.TrackResult(big))
	allocs := testing.AllocsPerRun(100, func() {
		if err := out.TrackResult(big); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "a sampled-out result was built")

	half := fakeEmitter(t, Config{RequestsPerMinute: -1, SampleRate: 0.5, MaxQueueBytes: 64 << 20}, func(context.Context, []byte, string) (int, error) { return 100, nil })
	defer half.Close(context.Background())
	r := rtbResult()
	const n = 20000
	for range n {
		require.NoError(t, half.TrackResult(r))
	}
	st := half.Stats()
	out2 := float64(st.DroppedByReason[ReasonSampled]) / n
	require.InDelta(t, 0.5, out2, 0.05, "sampled out %.3f of the results: %v", out2, st)
	require.Equal(t, uint64(n), st.Tracked)
}
