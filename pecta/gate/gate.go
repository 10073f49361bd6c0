package gate

import (
	"context"
	"time"
)

// Gate judges one agent output. Run must be safe for concurrent use: an
// Engine is shared by every goroutine of the process.
//
// Run is called in the caller's goroutine unless the gate implements
// Blocking (see MayBlock); such a gate must be cheap and CPU-only. A gate
// reads what it needs from ev and never modifies it.
type Gate interface {
	// Name is the gate's name in results and telemetry: 1 to 200
	// characters, unique within an engine.
	Name() string
	// Run judges ev. It may return early when ctx is done.
	Run(ctx context.Context, ev *Evaluation) Outcome
}

// Blocking is implemented by gates that may block (I/O, locks, a model
// call). The engine runs them in their own goroutine with a context that
// ends with the evaluation's budget, and stops waiting for them when the
// budget runs out, even if they ignore the context.
type Blocking interface {
	Gate
	// MayBlock reports whether Run may block. Gates returning false run
	// inline like any other gate.
	MayBlock() bool
}

// Cheap is implemented by inline gates whose Run costs a small, bounded
// amount of CPU (no I/O, no walk of a value of any size): the RTB gates
// and the latency gate. Timing such a gate alone would cost more than
// running it, so the engine
// runs consecutive cheap gates as a batch: it reads the clock when the
// batch starts and when it ends, and each gate of the batch reports an
// equal share of the batch's time as its LatencyMS. The budget is checked
// before and after a batch, not between its gates; a batch that ends after
// the budget has run out is reported timed out as a whole (ReasonTimeout),
// since the engine cannot tell which of its gates finished late.
type Cheap interface {
	Gate
	// Cheap reports whether Run is cheap. Gates returning false are timed
	// one by one.
	Cheap() bool
}

// Outcome is what a gate returns. The engine fills in the name and the
// latency.
type Outcome struct {
	// Passed is the verdict. A skipped gate counts as passed whatever
	// Passed says.
	Passed bool
	// Reason says why the gate failed or was skipped. It is sent with
	// telemetry, so it must never carry payload data (no values from the
	// input or output): at most 500 characters. "pecta:timeout" and
	// "pecta:aborted" are reserved for the engine.
	Reason string
	// Skipped marks a gate that did not apply (for example the latency
	// gate when no latency was measured). It counts as passed.
	Skipped bool
	// EndPipeline, with Skipped, ends the evaluation early: the gates after
	// this one are not run and are reported as skipped. rtb.TmaxGuard uses
	// it when no time is left for the other gates.
	EndPipeline bool
	// Details is for the caller, in process only: it never leaves the
	// process (Result.AppendEvent drops it).
	Details any
}

// Pass is the Outcome of a gate that passed.
func Pass() Outcome { return Outcome{Passed: true} }

// Fail is the Outcome of a gate that failed for reason.
func Fail(reason string) Outcome { return Outcome{Reason: reason} }

// Skip is the Outcome of a gate that did not apply, for reason.
func Skip(reason string) Outcome { return Outcome{Passed: true, Skipped: true, Reason: reason} }

// GateFunc adapts a function to a Gate; Named gives it its name.
type GateFunc func(ctx context.Context, ev *Evaluation) Outcome

// Named returns a Gate called name that runs f inline.
func Named(name string, f GateFunc) Gate { return &funcGate{name: name, f: f} }

type funcGate struct {
	name string
	f    GateFunc
}

func (g *funcGate) Name() string                                    { return g.name }
func (g *funcGate) Run(ctx context.Context, ev *Evaluation) Outcome { return g.f(ctx, ev) }

// MayBlock returns g marked as blocking: the engine runs it in its own
// goroutine, gives it a context that ends with the budget, and reports it
// as timed out (and stops waiting) when the budget runs out.
func MayBlock(g Gate) Gate { return blockingGate{g} }

type blockingGate struct{ Gate }

func (blockingGate) MayBlock() bool { return true }

// Evaluation is one agent output to judge, with its context. Input and
// Output hold any Go value: the generic gates walk strings, slices, maps,
// pointers and structs; the RTB gates expect *rtb.Request and
// *rtb.Response. The engine never copies or retains them.
type Evaluation struct {
	AgentID string // required: 1 to 200 characters
	Tool    string // optional: at most 200 characters
	Input   any    // what the agent was given (RTB: *rtb.Request)
	Output  any    // what it produced (RTB: *rtb.Response)
	// LatencyMS is how long the agent took, in milliseconds. Zero means
	// not measured: the latency gate is then skipped.
	LatencyMS float64
	// TmaxMS is the time the caller allows for the whole answer (OpenRTB
	// tmax), in milliseconds. Zero means unknown: rtb.TmaxGuard then
	// reads the request's tmax.
	TmaxMS float64
	// StartedAt is when the request arrived. Zero means unknown.
	StartedAt time.Time
}

// ReasonTimeout is the reason of a gate the budget cut off.
const ReasonTimeout = "pecta:timeout"

// ReasonAborted is the reason of a gate that failFast stopped because
// another gate had failed.
const ReasonAborted = "pecta:aborted"
