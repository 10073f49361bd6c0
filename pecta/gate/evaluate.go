package gate

import (
	"context"
	"errors"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

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
// gates (between batches of Cheap gates). Gates marked Blocking start in
// their own goroutine when their turn comes, and the engine goes on with
// the next gate; it waits for them at the end, at most until the budget
// runs out.
//
// Gates still unfinished when the budget runs out, or that finished after
// it, fail with ReasonTimeout; gates not started are reported the same way.
// With failFast, the first failure ends the evaluation: gates not yet
// finished are reported failed with ReasonAborted and Aborted set (they
// did not run, and are left out of telemetry). A gate ending the pipeline
// (Outcome.EndPipeline) makes the rest skipped. ctx being cancelled is
// treated like the budget running out. A gate that panics fails with
// ReasonPanic.
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
	r := evaluation{e: e, ctx: ctx, runCtx: ctx, ev: ev, res: res, stop: -1, batch: -1}
	r.start = startTime(ev.StartedAt)
	r.budget = e.timeout
	if d, ok := ctx.Deadline(); ok {
		r.budget = min(r.budget, d.Sub(r.start))
	}
	n := len(e.gates)
	res.AgentID, res.Tool = ev.AgentID, ev.Tool
	if cap(res.Gates) < n {
		res.Gates = make([]GateResult, n)
	}
	res.Gates = res.Gates[:n]
	for i := range res.Gates {
		res.Gates[i] = GateResult{Name: e.names[i]}
	}

	for !r.run() { // gate r.i panicked
		r.finished(r.i, Fail(ReasonPanic))
		r.i++
	}
	r.closeBatch(lastStarted(r.states[:n]))
	r.wait()
	r.finish()
	return nil
}

// evaluation is the state of one EvaluateInto call.
type evaluation struct {
	e      *Engine
	ctx    context.Context
	ev     *Evaluation
	res    *Result
	start  time.Time
	budget time.Duration // the deadline, since start
	now    time.Duration // since start: when the last gate ended (or the batch began)
	states [pecta.MaxGates]uint8
	starts [pecta.MaxGates]time.Duration // since start

	runCtx  context.Context // for blocking gates: ends with the budget
	cancel  context.CancelFunc
	doneCh  chan asyncDone
	pending int // blocking gates running

	i         int  // the gate to run next
	failed    bool // a gate failed (for failFast)
	outOfTime bool
	stop      int // index of the gate that ended the pipeline, -1 if none
	batch     int // first gate of the open batch of cheap gates, -1 if none
}

// run runs the gates from r.i on, in the caller's goroutine. It returns
// false when gate r.i panicked: one deferred recover for the whole loop
// instead of one per gate.
func (r *evaluation) run() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	e := r.e
	for ; r.i < len(e.gates); r.i++ {
		i := r.i
		if r.pending > 0 {
			r.drain()
		}
		if (r.failed && e.failFast) || r.stop >= 0 || r.outOfTime {
			break
		}
		cheap := e.cheap[i]
		if !cheap {
			r.closeBatch(i)
			if r.outOfTime || (r.failed && e.failFast) {
				break
			}
		}
		if r.now >= r.budget || r.ctx.Err() != nil {
			r.outOfTime = true
			break
		}
		r.starts[i] = r.now
		r.states[i] = running
		if e.blocking[i] {
			if r.doneCh == nil {
				r.runCtx, r.cancel = context.WithDeadline(r.ctx, r.start.Add(r.budget))
				r.doneCh = make(chan asyncDone, e.nBlock) // never blocks a late sender
			}
			r.pending++
			go runAsync(r.runCtx, r.doneCh, i, e.gates[i], r.ev)
			r.now = time.Since(r.start)
			continue
		}
		r.finished(i, e.gates[i].Run(r.ctx, r.ev))
	}
	r.i = len(e.gates)
	return true
}

// finished records the outcome of inline gate i, which has just returned.
func (r *evaluation) finished(i int, out Outcome) {
	if r.e.cheap[i] {
		if r.batch < 0 {
			r.batch = i
		}
		r.record(i, out, r.now) // latency and lateness are set when the batch ends
	} else {
		r.now = time.Since(r.start)
		r.record(i, out, r.now)
	}
	if out.EndPipeline && out.Skipped && r.res.Gates[i].Passed {
		r.stop = i
	}
}

// record stores gate i's outcome, finished at end (since start).
func (r *evaluation) record(i int, out Outcome, end time.Duration) {
	g := &r.res.Gates[i]
	r.states[i] = done
	g.LatencyMS = ms(end - r.starts[i])
	if end >= r.budget {
		g.Passed, g.Reason, g.Skipped, g.Details = false, ReasonTimeout, false, nil
		r.outOfTime, r.failed = true, true
		return
	}
	g.Passed = out.Passed || out.Skipped
	g.Skipped = out.Skipped
	g.Reason = out.Reason
	g.Details = out.Details
	if !g.Passed {
		r.failed = true
	}
}

// closeBatch ends the open batch of cheap gates before gate end: one clock
// read for the batch, an equal share of its time for each gate, and the
// whole batch timed out if it ended after the budget.
func (r *evaluation) closeBatch(end int) {
	if r.batch < 0 {
		return
	}
	r.now = time.Since(r.start)
	share := ms(r.now-r.starts[r.batch]) / float64(end-r.batch)
	late := r.now >= r.budget
	for k := r.batch; k < end; k++ {
		g := &r.res.Gates[k]
		g.LatencyMS = share
		if late {
			g.Passed, g.Reason, g.Skipped, g.Details = false, ReasonTimeout, false, nil
			r.outOfTime, r.failed = true, true
		}
	}
	r.batch = -1
}

// drain records the blocking gates that have finished, without waiting.
func (r *evaluation) drain() {
	for r.pending > 0 {
		select {
		case d := <-r.doneCh:
			r.pending--
			r.record(d.i, d.out, d.end.Sub(r.start))
		default:
			return
		}
	}
}

// wait waits for the blocking gates still running, within the budget.
func (r *evaluation) wait() {
	for r.pending > 0 && !(r.failed && r.e.failFast) && r.stop < 0 {
		select {
		case d := <-r.doneCh:
			r.pending--
			r.record(d.i, d.out, d.end.Sub(r.start))
		case <-r.runCtx.Done():
			r.outOfTime = true
			r.pending = 0
		}
	}
	if r.cancel != nil {
		r.cancel()
	}
}

// finish marks the gates that did not finish and sums up the result.
func (r *evaluation) finish() {
	res := r.res
	end := r.now
	if r.doneCh != nil {
		end = time.Since(r.start)
	}
	for i := range res.Gates {
		if r.states[i] == done {
			continue
		}
		g := &res.Gates[i]
		switch {
		case r.stop >= 0:
			g.Passed, g.Skipped, g.Reason = true, true, r.e.halted[r.stop]
		case r.failed && r.e.failFast && !r.outOfTime:
			g.Passed, g.Reason, g.Aborted = false, ReasonAborted, true
		default:
			g.Passed, g.Reason = false, ReasonTimeout
			if r.states[i] == running {
				g.LatencyMS = ms(end - r.starts[i])
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
	res.TotalLatencyMS = ms(end)
}

// startTime returns the time now. When the request's arrival time carries
// a monotonic clock reading (it came from time.Now), now is that time plus
// the monotonic time since: one monotonic clock read instead of the wall
// and monotonic reads of time.Now, which is most of the engine's own cost
// on a bid.
func startTime(startedAt time.Time) time.Time {
	if startedAt.IsZero() || startedAt == startedAt.Round(0) { // no monotonic reading
		return time.Now()
	}
	return startedAt.Add(time.Since(startedAt))
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
