package gate_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// cheapGate is a Cheap gate that takes d (of the bubble's fake clock).
type cheapGate struct {
	name string
	d    time.Duration
	out  gate.Outcome
}

func (g cheapGate) Name() string { return g.name }
func (g cheapGate) Cheap() bool  { return true }
func (g cheapGate) Run(context.Context, *gate.Evaluation) gate.Outcome {
	time.Sleep(g.d)
	return g.out
}

// TestCheapGatesBatch: consecutive cheap gates share the time of their
// batch equally; a gate that is not cheap is timed alone.
func TestCheapGatesBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := gate.NewEngine([]gate.Gate{
			cheapGate{"a", time.Millisecond, gate.Pass()},
			cheapGate{"b", 3 * time.Millisecond, gate.Pass()},
			gate.Named("walk", func(context.Context, *gate.Evaluation) gate.Outcome {
				time.Sleep(2 * time.Millisecond)
				return gate.Pass()
			}),
			cheapGate{"c", 4 * time.Millisecond, gate.Skip("nothing to check")},
		}, gate.WithTimeout(time.Second))
		require.NoError(t, err)
		res, err := e.Evaluate(context.Background(), eval())
		require.NoError(t, err)
		require.True(t, res.Passed)
		lat := []float64{res.Gates[0].LatencyMS, res.Gates[1].LatencyMS, res.Gates[2].LatencyMS, res.Gates[3].LatencyMS}
		require.Equal(t, []float64{2, 2, 2, 4}, lat, "a and b share 4 ms; walk and c are timed alone")
		require.Equal(t, 10.0, res.TotalLatencyMS)
		require.True(t, res.Gates[3].Skipped)
		require.Equal(t, "nothing to check", res.Gates[3].Reason)
	})
}

// TestCheapBatchPastBudget: a batch that ends after the budget is timed
// out as a whole (the engine cannot tell which of its gates ended late),
// and the gates after it are not run.
func TestCheapBatchPastBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := gate.NewEngine([]gate.Gate{
			cheapGate{"a", time.Millisecond, gate.Pass()},
			cheapGate{"b", 20 * time.Millisecond, gate.Pass()},
			gate.Named("after", func(context.Context, *gate.Evaluation) gate.Outcome { return gate.Pass() }),
		}, gate.WithTimeout(15*time.Millisecond))
		require.NoError(t, err)
		res, err := e.Evaluate(context.Background(), eval())
		require.NoError(t, err)
		require.False(t, res.Passed)
		for _, g := range res.Gates {
			require.False(t, g.Passed, g.Name)
			require.Equal(t, gate.ReasonTimeout, g.Reason, g.Name)
		}
		require.Zero(t, res.Gates[2].LatencyMS, "never started")
	})
}

// TestCheapFailFast: a failing cheap gate ends the batch and the
// evaluation; the gates after it are aborted.
func TestCheapFailFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := gate.NewEngine([]gate.Gate{
			cheapGate{"a", time.Millisecond, gate.Fail("bid missing price")},
			cheapGate{"b", time.Millisecond, gate.Pass()},
		}, gate.WithTimeout(time.Second))
		require.NoError(t, err)
		res, err := e.Evaluate(context.Background(), eval())
		require.NoError(t, err)
		require.Equal(t, "bid missing price", res.Gates[0].Reason)
		require.Equal(t, 1.0, res.Gates[0].LatencyMS)
		require.True(t, res.Gates[1].Aborted)
	})
}
