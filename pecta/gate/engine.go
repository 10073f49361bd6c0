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
	names := make([]string, len(e.gates))
	for i, g := range e.gates {
		names[i] = g.Name()
	}
	return names
}

// Evaluate runs the gates on ev and returns the result. See EvaluateInto.
func (e *Engine) Evaluate(ctx context.Context, ev *Evaluation) (*Result, error) {
	res := &Result{}
	if err := e.EvaluateInto(ctx, ev, res); err != nil {
		return nil, err
	}
	return res, nil
}

// asyncDone is what a blocking gate's goroutine sends back.
type asyncDone struct {
	i   int
	out Outcome
	end time.Time
}

// gate states during an evaluation
const (
	notStarted uint8 = iota
	running
	done
)

// EvaluateInto runs the gates on ev and writes the result to res, reusing
// res.Gates: with gates that do not block and a res reused between calls,
// it does not allocate.
//
// The gates run in order in the caller's goroutine; the budget (the engine
// timeout or ctx's deadline, whichever is earlier) is checked between
// gates. Gates marked Blocking start in their own goroutine when their turn
// comes, and the engine goes on with the next gate; it waits for them at
// the end, at most until the budget runs out.
//
// Gates still unfinished when the budget runs out, or that finished after
// it, fail with ReasonTimeout; gates not started are reported the same way.
// With failFast, the first failure ends the evaluation: gates not yet
// finished are reported failed with ReasonAborted (and are not counted as
// having run). A gate ending the pipeline (Outcome.EndPipeline) makes the
// rest skipped. ctx being cancelled is treated like the budget running out.
//
// It returns an error only for a nil ev, nil res or an ev without an
// AgentID.
func (e *Engine) EvaluateInto(ctx context.Context, ev *Evaluation, res *Result) error {
	if ev == nil || res == nil {
		return errors.New("pecta/gate: nil evaluation or result")
	}
	if ev.AgentID == "" {
		return errors.New("pecta/gate: evaluation has no AgentID")
	}
	start := time.Now()
	deadline := start.Add(e.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	n := len(e.gates)
	res.AgentID, res.Tool = ev.AgentID, ev.Tool
	if cap(res.Gates) < n {
		res.Gates = make([]GateResult, n)
	}
	res.Gates = res.Gates[:n]
	var states [pecta.MaxGates]uint8
	var starts [pecta.MaxGates]time.Time
	for i := range res.Gates {
		res.Gates[i] = GateResult{Name: e.gates[i].Name()}
	}

	var (
		runCtx    = ctx
		cancel    context.CancelFunc
		doneCh    chan asyncDone
		pending   int
		failed    bool // a gate failed (for failFast)
		stop      = -1 // index of the gate that ended the pipeline
		outOfTime bool
	)
	// record stores gate i's outcome, finished at end.
	record := func(i int, out Outcome, end time.Time) {
		g := &res.Gates[i]
		states[i] = done
		g.LatencyMS = ms(end.Sub(starts[i]))
		if !end.Before(deadline) {
			g.Passed, g.Reason, g.Skipped, g.Details = false, ReasonTimeout, false, nil
			outOfTime = true
			failed = true
			return
		}
		g.Passed = out.Passed || out.Skipped
		g.Skipped = out.Skipped
		g.Reason = out.Reason
		g.Details = out.Details
		if !g.Passed {
			failed = true
		}
	}
	drain := func() {
		for pending > 0 {
			select {
			case d := <-doneCh:
				pending--
				record(d.i, d.out, d.end)
			default:
				return
			}
		}
	}

	// Cheap gates (see Cheap) that follow each other run as a batch: the
	// clock is read when the batch ends, not around each gate.
	now := start // the end of one gate is the start of the next
	batch := -1  // index of the first gate of the open batch, -1 if none
	closeBatch := func(end int) {
		if batch < 0 {
			return
		}
		now = time.Now()
		share := ms(now.Sub(starts[batch])) / float64(end-batch)
		late := !now.Before(deadline)
		for k := batch; k < end; k++ {
			g := &res.Gates[k]
			g.LatencyMS = share
			if late {
				g.Passed, g.Reason, g.Skipped, g.Details = false, ReasonTimeout, false, nil
				outOfTime, failed = true, true
			}
		}
		batch = -1
	}
	for i, g := range e.gates {
		if pending > 0 {
			drain()
		}
		if (failed && e.failFast) || stop >= 0 || outOfTime {
			break
		}
		cheap := e.cheap[i]
		if !cheap {
			closeBatch(i)
			if outOfTime || (failed && e.failFast) {
				break
			}
		}
		if !now.Before(deadline) || ctx.Err() != nil {
			outOfTime = true
			break
		}
		starts[i] = now
		if e.blocking[i] {
			if doneCh == nil {
				runCtx, cancel = context.WithDeadline(ctx, deadline)
				doneCh = make(chan asyncDone, e.nBlock) // never blocks a late sender
			}
			states[i] = running
			pending++
			go runAsync(runCtx, doneCh, i, g, ev)
			now = time.Now()
			continue
		}
		states[i] = running
		out := safeRun(ctx, g, ev)
		if cheap {
			if batch < 0 {
				batch = i
			}
			record(i, out, now) // latency and lateness are set when the batch ends
		} else {
			now = time.Now()
			record(i, out, now)
		}
		if out.EndPipeline && out.Skipped && res.Gates[i].Passed {
			stop = i
		}
	}
	closeBatch(lastStarted(states[:n]))

	// Wait for the blocking gates still running, within the budget.
	for pending > 0 && !(failed && e.failFast) && stop < 0 {
		select {
		case d := <-doneCh:
			pending--
			record(d.i, d.out, d.end)
		case <-runCtx.Done():
			outOfTime = true
			pending = 0
		}
	}
	if cancel != nil {
		cancel()
	}

	// Mark what did not finish.
	end := now
	if doneCh != nil {
		end = time.Now()
	}
	for i := range res.Gates {
		if states[i] == done {
			continue
		}
		g := &res.Gates[i]
		switch {
		case stop >= 0:
			g.Passed, g.Skipped, g.Reason = true, true, e.halted[stop]
		case failed && e.failFast && !outOfTime:
			g.Passed, g.Reason, g.Aborted = false, ReasonAborted, true
		default:
			g.Passed, g.Reason = false, ReasonTimeout
			if states[i] == running {
				g.LatencyMS = ms(end.Sub(starts[i]))
			}
		}
	}
	res.Passed = true
	for i := range res.Gates {
		if !res.Gates[i].Passed {
			res.Passed = false
			break
		}
	}
	res.TotalLatencyMS = ms(end.Sub(start))
	return nil
}

// lastStarted returns the index after the last gate that was started.
func lastStarted(states []uint8) int {
	for i := len(states) - 1; i >= 0; i-- {
		if states[i] != notStarted {
			return i + 1
		}
	}
	return 0
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
