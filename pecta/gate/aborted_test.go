package gate_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// abortedResult is an evaluation where the second of four gates fails and
// failFast aborts the last two.
func abortedResult(t *testing.T) *gate.Result {
	t.Helper()
	e := newEngine(t, []gate.Gate{
		fixed("first", gate.Pass(), nil),
		fixed("second", gate.Fail("placeholder adomain: example.com"), nil),
		fixed("third", gate.Pass(), nil),
		fixed("fourth", gate.Pass(), nil),
	})
	res, err := e.Evaluate(context.Background(), eval())
	require.NoError(t, err)
	require.False(t, res.Passed)
	for _, name := range []string{"third", "fourth"} {
		g := res.Gate(name)
		require.True(t, g.Aborted, name)
		require.False(t, g.Passed, "the in-process result reports them aborted, as the reference's engine does")
		require.Equal(t, gate.ReasonAborted, g.Reason)
		require.Zero(t, g.LatencyMS)
	}
	return res
}

// TestAbortedGatesLeftOutOfEvents: gates that never ran are not sent, so
// the server's per-gate pass rates count only gates that judged; the
// event still fails.
func TestAbortedGatesLeftOutOfEvents(t *testing.T) {
	res := abortedResult(t)
	ev := res.Event()
	require.False(t, ev.Passed)
	require.Equal(t, []string{"first", "second"}, gateNames(ev.Gates))
	require.Equal(t, "placeholder adomain: example.com", ev.Gates[1].Reason)

	srv := pectatest.NewServer()
	defer srv.Close()
	em, err := telemetry.NewFromClient(srv.Client(), telemetry.Config{})
	require.NoError(t, err)
	require.NoError(t, em.TrackResult(res))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, em.Close(ctx))
	got := srv.Ingested()
	require.Len(t, got, 1)
	require.False(t, got[0].Passed)
	var names []string
	for _, g := range got[0].Gates {
		names = append(names, g.Name)
		require.NotEqual(t, gate.ReasonAborted, g.Reason)
	}
	require.Equal(t, []string{"first", "second"}, names)
}

// TestTimedOutGatesStayInEvents: a gate the budget cut off is a failure
// the reference reports (pecta:timeout), unlike an aborted one.
func TestTimedOutGatesStayInEvents(t *testing.T) {
	w := newWaiter("slow", false, gate.Pass())
	defer close(w.release)
	e, err := gate.NewEngine([]gate.Gate{fixed("fast", gate.Pass(), nil), gate.MayBlock(w)}, gate.WithTimeout(5*time.Millisecond))
	require.NoError(t, err)
	res, err := e.Evaluate(context.Background(), eval())
	require.NoError(t, err)
	ev := res.Event()
	require.Equal(t, []string{"fast", "slow"}, gateNames(ev.Gates))
	require.Equal(t, gate.ReasonTimeout, ev.Gates[1].Reason)
}

func gateNames(gs []pecta.GateResult) []string {
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	return names
}
