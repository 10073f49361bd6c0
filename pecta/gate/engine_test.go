package gate_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixed is an inline gate with a fixed outcome that counts its runs.
func fixed(name string, out gate.Outcome, runs *atomic.Int32) gate.Gate {
	return gate.Named(name, func(context.Context, *gate.Evaluation) gate.Outcome {
		if runs != nil {
			runs.Add(1)
		}
		return out
	})
}

// waiter blocks until release is closed or, when honour is set, ctx ends;
// started is closed when it runs, finished when it returns.
type waiter struct {
	name              string
	honour            bool
	out               gate.Outcome
	release           chan struct{}
	started, finished chan struct{}
}

func newWaiter(name string, honour bool, out gate.Outcome) *waiter {
	return &waiter{name: name, honour: honour, out: out, release: make(chan struct{}),
		started: make(chan struct{}), finished: make(chan struct{})}
}

func (w *waiter) Name() string { return w.name }

func (w *waiter) Run(ctx context.Context, _ *gate.Evaluation) gate.Outcome {
	close(w.started)
	defer close(w.finished)
	if w.honour {
		select {
		case <-w.release:
		case <-ctx.Done():
			return gate.Fail("cancelled")
		}
	} else {
		<-w.release
	}
	return w.out
}

func eval() *gate.Evaluation { return &gate.Evaluation{AgentID: "agent-1", Tool: "t", Output: "ok"} }

func newEngine(t *testing.T, gates []gate.Gate, opts ...gate.Option) *gate.Engine {
	t.Helper()
	// a budget a stalled test machine does not reach, unless the test sets one
	e, err := gate.NewEngine(gates, append([]gate.Option{gate.WithTimeout(time.Minute)}, opts...)...)
	require.NoError(t, err)
	return e
}

func TestNewEngineRefuses(t *testing.T) {
	p := gate.Pass()
	long := strings.Repeat("é", 201)
	tests := []struct {
		name  string
		gates []gate.Gate
		opts  []gate.Option
		want  string
	}{
		{"no gates", nil, nil, "no gates"},
		{"nil gate", []gate.Gate{nil}, nil, "nil"},
		{"empty name", []gate.Gate{fixed("", p, nil)}, nil, "no name"},
		{"long name", []gate.Gate{fixed(long, p, nil)}, nil, "longer than 200"},
		{"duplicate", []gate.Gate{fixed("a", p, nil), fixed("b", p, nil), fixed("a", p, nil)}, nil, `duplicate gate name "a"`},
		{"zero timeout", []gate.Gate{fixed("a", p, nil)}, []gate.Option{gate.WithTimeout(0)}, "timeout"},
		{"negative timeout", []gate.Gate{fixed("a", p, nil)}, []gate.Option{gate.WithTimeout(-time.Second)}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gate.NewEngine(tt.gates, tt.opts...)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
	many := make([]gate.Gate, 51)
	for i := range many {
		many[i] = fixed(strings.Repeat("g", i+1), p, nil)
	}
	_, err := gate.NewEngine(many)
	require.ErrorContains(t, err, "at most 50")
	// 200 characters (multi-byte) are fine
	_, err = gate.NewEngine([]gate.Gate{fixed(strings.Repeat("é", 200), p, nil)})
	require.NoError(t, err)
}

func TestEvaluateRefusesBadEvaluation(t *testing.T) {
	e := newEngine(t, []gate.Gate{fixed("a", gate.Pass(), nil)})
	_, err := e.Evaluate(context.Background(), nil)
	require.Error(t, err)
	_, err = e.Evaluate(context.Background(), &gate.Evaluation{Output: "x"})
	require.ErrorContains(t, err, "AgentID")
	require.Error(t, e.EvaluateInto(context.Background(), eval(), nil))
}

func TestEvaluateAllPass(t *testing.T) {
	var runs atomic.Int32
	e := newEngine(t, []gate.Gate{
		fixed("a", gate.Pass(), &runs),
		fixed("b", gate.Skip("not applicable"), &runs),
		fixed("c", gate.Outcome{Passed: false, Skipped: true}, &runs), // skipped counts as passed
	})
	require.Equal(t, []string{"a", "b", "c"}, e.Gates())
	res, err := e.Evaluate(context.Background(), eval())
	require.NoError(t, err)
	require.True(t, res.Passed)
	require.Equal(t, int32(3), runs.Load())
	require.Equal(t, "agent-1", res.AgentID)
	require.Equal(t, "t", res.Tool)
	require.Len(t, res.Gates, 3)
	require.Equal(t, "a", res.Gates[0].Name)
	require.False(t, res.Gates[0].Skipped)
	require.True(t, res.Gates[1].Skipped)
	require.Equal(t, "not applicable", res.Gates[1].Reason)
	require.True(t, res.Gates[2].Passed)
	require.True(t, res.Gates[2].Skipped)
	require.Equal(t, res.Gate("b"), &res.Gates[1])
	require.Nil(t, res.Gate("zzz"))
	sum := 0.0
	for _, g := range res.Gates {
		require.GreaterOrEqual(t, g.LatencyMS, 0.0)
		sum += g.LatencyMS
	}
	// each gate's latency and the total are converted from integer
	// nanoseconds to float milliseconds separately, so the float sum may
	// exceed the total by a rounding error (seen: 5 runs in 50)
	require.GreaterOrEqual(t, res.TotalLatencyMS, sum-1e-9*float64(len(res.Gates)+1)*max(1, sum),
		"total is the wall clock of the whole evaluation")
}

func TestFailFast(t *testing.T) {
	var runs atomic.Int32
	gates := []gate.Gate{
		fixed("a", gate.Pass(), &runs),
		fixed("b", gate.Fail("bad"), &runs),
		fixed("c", gate.Pass(), &runs),
		fixed("d", gate.Pass(), &runs),
	}
	res, err := newEngine(t, gates).Evaluate(context.Background(), eval())
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.Equal(t, int32(2), runs.Load(), "c and d never ran")
	require.True(t, res.Gates[0].Passed)
	require.Equal(t, "bad", res.Gates[1].Reason)
	require.False(t, res.Gates[1].Aborted)
	for _, g := range res.Gates[2:] {
		require.False(t, g.Passed)
		require.True(t, g.Aborted)
		require.Equal(t, gate.ReasonAborted, g.Reason)
		require.Zero(t, g.LatencyMS)
	}

	// without failFast every gate runs
	runs.Store(0)
	res, err = newEngine(t, gates, gate.WithFailFast(false)).Evaluate(context.Background(), eval())
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.Equal(t, int32(4), runs.Load())
	for i, g := range res.Gates {
		require.Equal(t, i != 1, g.Passed, g.Name)
		require.False(t, g.Aborted)
	}
}

func TestFailFastAbortsBlockingGates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		honours := newWaiter("honours", true, gate.Pass())
		ignores := newWaiter("ignores", false, gate.Pass())
		e := newEngine(t, []gate.Gate{gate.MayBlock(honours), gate.MayBlock(ignores), fixed("fails", gate.Fail("bad"), nil)})
		start := time.Now()
		res, err := e.Evaluate(context.Background(), eval())
		require.NoError(t, err)
		require.Zero(t, time.Since(start), "failFast returns at once, without waiting for the blocking gates")
		require.False(t, res.Passed)
		for _, g := range res.Gates[:2] {
			require.True(t, g.Aborted, g.Name)
			require.Equal(t, gate.ReasonAborted, g.Reason)
		}
		require.Equal(t, "bad", res.Gates[2].Reason)
		<-honours.finished // its context was cancelled
		close(ignores.release)
		<-ignores.finished
	})
}

func TestTimeoutBlockingGates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		honours := newWaiter("honours", true, gate.Pass())
		ignores := newWaiter("ignores", false, gate.Pass())
		quick := newWaiter("quick", false, gate.Pass())
		close(quick.release)
		var after atomic.Int32
		e := newEngine(t, []gate.Gate{
			fixed("first", gate.Pass(), nil),
			gate.MayBlock(honours), gate.MayBlock(ignores), gate.MayBlock(quick),
			fixed("after", gate.Pass(), &after),
		}, gate.WithTimeout(15*time.Millisecond))
		start := time.Now()
		res, err := e.Evaluate(context.Background(), eval())
		require.NoError(t, err)
		require.Equal(t, 15*time.Millisecond, time.Since(start), "returns at the budget")
		require.Equal(t, 15.0, res.TotalLatencyMS)
		require.False(t, res.Passed)
		require.Equal(t, int32(1), after.Load(), "inline gates after blocking ones run while those wait")
		require.True(t, res.Gates[0].Passed)
		for _, g := range res.Gates[1:3] {
			require.False(t, g.Passed, g.Name)
			require.Equal(t, gate.ReasonTimeout, g.Reason, g.Name)
			require.True(t, g.TimedOut())
			require.Equal(t, 15.0, g.LatencyMS, g.Name)
		}
		require.True(t, res.Gates[3].Passed, "a blocking gate that finished in time passes")
		require.True(t, res.Gates[4].Passed)
		select {
		case <-ignores.finished:
			t.Fatal("the gate ignoring ctx is still blocked: the engine did not wait for it")
		default:
		}
		<-honours.finished
		close(ignores.release) // the abandoned goroutine ends and its late result is dropped
		<-ignores.finished
	})
}

func TestTimeoutInlineGateIgnoringBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var after atomic.Int32
		slow := gate.Named("slow", func(ctx context.Context, _ *gate.Evaluation) gate.Outcome {
			<-ctx.Done() // runs past the budget (the caller's deadline)
			return gate.Pass()
		})
		e := newEngine(t, []gate.Gate{slow, fixed("after", gate.Pass(), &after)}, gate.WithTimeout(time.Hour))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		res, err := e.Evaluate(ctx, eval())
		require.NoError(t, err)
		require.False(t, res.Passed)
		require.Equal(t, gate.ReasonTimeout, res.Gates[0].Reason, "a result after the budget is a timeout")
		require.Equal(t, gate.ReasonTimeout, res.Gates[1].Reason, "gates not started when the budget ran out")
		require.Zero(t, after.Load())
		require.Equal(t, 10.0, res.TotalLatencyMS, "the earlier context deadline is the budget")
	})
}

func TestCancelledContext(t *testing.T) {
	var runs atomic.Int32
	e := newEngine(t, []gate.Gate{fixed("a", gate.Pass(), &runs)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := e.Evaluate(ctx, eval())
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.Zero(t, runs.Load())
	require.Equal(t, gate.ReasonTimeout, res.Gates[0].Reason)
}

func TestEndPipeline(t *testing.T) {
	var runs atomic.Int32
	halt := gate.Outcome{Passed: true, Skipped: true, EndPipeline: true, Reason: "no time left"}
	e := newEngine(t, []gate.Gate{fixed("guard", halt, &runs), fixed("b", gate.Fail("x"), &runs), fixed("c", gate.Pass(), &runs)})
	res, err := e.Evaluate(context.Background(), eval())
	require.NoError(t, err)
	require.True(t, res.Passed, "skipped gates count as passed")
	require.Equal(t, int32(1), runs.Load())
	require.Equal(t, "no time left", res.Gates[0].Reason)
	for _, g := range res.Gates[1:] {
		require.True(t, g.Passed)
		require.True(t, g.Skipped)
		require.Equal(t, "pipeline ended by guard", g.Reason)
	}
	// EndPipeline without Skipped does nothing
	runs.Store(0)
	e = newEngine(t, []gate.Gate{fixed("guard", gate.Outcome{Passed: true, EndPipeline: true}, &runs), fixed("b", gate.Pass(), &runs)})
	res, err = e.Evaluate(context.Background(), eval())
	require.NoError(t, err)
	require.Equal(t, int32(2), runs.Load())
	require.True(t, res.Passed)
}

func TestPanickingGate(t *testing.T) {
	boom := gate.Named("boom", func(context.Context, *gate.Evaluation) gate.Outcome { panic(errors.New("bug")) })
	for _, g := range []gate.Gate{boom, gate.MayBlock(boom)} {
		e := newEngine(t, []gate.Gate{g}, gate.WithTimeout(time.Minute))
		res, err := e.Evaluate(context.Background(), eval())
		require.NoError(t, err)
		require.False(t, res.Passed)
		require.Equal(t, gate.ReasonPanic, res.Gates[0].Reason)
	}
}

func TestEvaluateIntoReuses(t *testing.T) {
	e := newEngine(t, []gate.Gate{fixed("a", gate.Pass(), nil), fixed("b", gate.Fail("x"), nil)}, gate.WithFailFast(false))
	var res gate.Result
	ev := eval()
	ctx := context.Background()
	require.NoError(t, e.EvaluateInto(ctx, ev, &res))
	allocs := testing.AllocsPerRun(100, func() {
		if err := e.EvaluateInto(ctx, ev, &res); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	require.False(t, res.Passed)
	require.Equal(t, "x", res.Gates[1].Reason)
}

func TestAppendEventPrivacy(t *testing.T) {
	secret := "user jane.doe@corp.com ssn 123-45-6789"
	e := newEngine(t, []gate.Gate{
		gate.PII(gate.PIIOptions{}),
		gate.Named("detailed", func(context.Context, *gate.Evaluation) gate.Outcome {
			return gate.Outcome{Passed: true, Details: secret}
		}),
	}, gate.WithFailFast(false))
	ev := &gate.Evaluation{AgentID: "agent-9", Tool: "search", Input: secret, Output: secret, LatencyMS: 3}
	res, err := e.Evaluate(context.Background(), ev)
	require.NoError(t, err)
	require.Equal(t, secret, res.Gates[1].Details, "details stay available in process")
	pe := res.Event()
	require.NoError(t, pe.Validate())
	require.Equal(t, "agent-9", pe.AgentID)
	require.Equal(t, "search", pe.Tool)
	require.False(t, pe.Passed)
	require.Len(t, pe.Gates, 2)
	require.Equal(t, "email address detected", pe.Gates[0].Reason)
	require.True(t, pe.Timestamp.IsZero())
	js, err := pe.MarshalJSON()
	require.NoError(t, err)
	for _, leak := range []string{"jane", "123-45", "corp.com", "ssn"} {
		require.NotContains(t, string(js), leak)
	}

	// AppendEvent reuses the gates slice
	pe.Gates = pe.Gates[:0]
	allocs := testing.AllocsPerRun(100, func() { res.AppendEvent(&pe) })
	require.Zero(t, allocs)
	require.Len(t, pe.Gates, 2)
}
