package telemetry_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/stretchr/testify/require"
)

// TestTrackResult evaluates agent outputs in process, tracks the results
// and checks what reached the server over HTTP: the metadata, and none of
// the payload.
func TestTrackResult(t *testing.T) {
	srv := newServer(t)
	em := mustNew(t, testConfig(srv))
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

	require.ErrorIs(t, em.TrackResult(nil), telemetry.ErrInvalidEvent)
	require.ErrorIs(t, em.TrackResult(&gate.Result{}), telemetry.ErrInvalidEvent)
	require.ErrorIs(t, em.TrackResult(&gate.Result{AgentID: "a", Gates: make([]gate.GateResult, 51)}), telemetry.ErrInvalidEvent)

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
	require.Equal(t, uint64(3), st.DroppedByReason[telemetry.ReasonInvalid])
}

// TrackResult converts gates on the stack up to telemetry.StackGates and in a pooled
// array beyond: every size reaches the server as r.Event() would, gate by
// gate, including reasons and skipped gates.
func TestTrackResultEverySize(t *testing.T) {
	srv := newServer(t)
	em := mustNew(t, testConfig(srv))
	sizes := []int{0, 1, telemetry.StackGates - 1, telemetry.StackGates, telemetry.StackGates + 1, 20, pecta.MaxGates}
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
