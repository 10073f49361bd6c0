package gate

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/pecta-ai/pecta-go/pecta"
)

// DefaultTimeout is the engine's budget when WithTimeout is not given. 15 ms
// is the recommended budget on a bid path.
const DefaultTimeout = 50 * time.Millisecond

// Engine runs a fixed list of gates on evaluations. It holds no state
// between evaluations: build one at start-up and share it between
// goroutines.
type Engine struct {
	gates    []Gate
	blocking []bool
	nBlock   int
	cheap    []bool   // gate i implements Cheap
	names    []string // gate i's name
	halted   []string // reason of the gates after gate i when gate i ends the pipeline
	timeout  time.Duration
	failFast bool
}

// Option configures an Engine.
type Option func(*Engine) error

// WithTimeout sets the budget for all the gates of one evaluation together
// (default 50 ms). A context deadline earlier than the budget wins.
func WithTimeout(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return errors.New("pecta/gate: timeout must be positive")
		}
		e.timeout = d
		return nil
	}
}

// WithFailFast sets whether the first failing gate ends the evaluation
// (default true). The gates it stops are reported with ReasonAborted.
func WithFailFast(on bool) Option {
	return func(e *Engine) error { e.failFast = on; return nil }
}

// NewEngine returns an engine running gates in order. It refuses an empty
// list, a nil gate, more than 50 gates (the event limit), and names that
// are empty, longer than 200 characters or not unique.
func NewEngine(gates []Gate, opts ...Option) (*Engine, error) {
	e := &Engine{timeout: DefaultTimeout, failFast: true}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(e); err != nil {
			return nil, err
		}
	}
	if len(gates) == 0 {
		return nil, errors.New("pecta/gate: no gates")
	}
	if len(gates) > pecta.MaxGates {
		return nil, fmt.Errorf("pecta/gate: %d gates, at most %d", len(gates), pecta.MaxGates)
	}
	seen := make(map[string]bool, len(gates))
	e.gates = make([]Gate, len(gates))
	e.blocking = make([]bool, len(gates))
	e.cheap = make([]bool, len(gates))
	e.halted = make([]string, len(gates))
	for i, g := range gates {
		if g == nil {
			return nil, fmt.Errorf("pecta/gate: gate %d is nil", i)
		}
		name := g.Name()
		switch {
		case name == "":
			return nil, fmt.Errorf("pecta/gate: gate %d has no name", i)
		case utf8.RuneCountInString(name) > pecta.MaxGateNameLen:
			return nil, fmt.Errorf("pecta/gate: gate %d: name longer than %d characters", i, pecta.MaxGateNameLen)
		case seen[name]:
			return nil, fmt.Errorf("pecta/gate: duplicate gate name %q", name)
		}
		seen[name] = true
		e.gates[i] = g
		e.names = append(e.names, name)
		if b, ok := g.(Blocking); ok && b.MayBlock() {
			e.blocking[i] = true
			e.nBlock++
		} else if c, ok := g.(Cheap); ok && c.Cheap() {
			e.cheap[i] = true
		}
		e.halted[i] = "pipeline ended by " + name
	}
	return e, nil
}

// Gates returns the names of the engine's gates, in order.
func (e *Engine) Gates() []string {
	return append([]string(nil), e.names...)
}

// Evaluate runs the gates on ev and returns the result. See EvaluateInto.
func (e *Engine) Evaluate(ctx context.Context, ev *Evaluation) (*Result, error) {
	res := &Result{}
	if err := e.EvaluateInto(ctx, ev, res); err != nil {
		return nil, err
	}
	return res, nil
}

// runAsync runs a blocking gate and reports to ch, which has room for
// every blocking gate, so a gate finishing after the engine stopped waiting
// never blocks.
func runAsync(ctx context.Context, ch chan<- asyncDone, i int, g Gate, ev *Evaluation) {
	out := safeRun(ctx, g, ev)
	ch <- asyncDone{i: i, out: out, end: time.Now()}
}

// ReasonPanic is the reason of a gate whose Run panicked.
const ReasonPanic = "gate panicked"

// safeRun runs g, turning a panic into a failure: a buggy gate must not
// take the bid path down.
func safeRun(ctx context.Context, g Gate, ev *Evaluation) (out Outcome) {
	defer func() {
		if recover() != nil {
			out = Fail(ReasonPanic)
		}
	}()
	return g.Run(ctx, ev)
}

// ms converts d to fractional milliseconds.
func ms(d time.Duration) float64 { return float64(d) / 1e6 }
