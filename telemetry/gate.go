package telemetry

import (
	"sync"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// TrackResult is Track(&ev) with ev = r.Event(), without allocating and
// with the sampling decision before the event is built. Gates that
// failFast aborted are left out; input, output and details never leave.
func (e *Emitter) TrackResult(r *gate.Result) error {
	if e.nop {
		return nil
	}
	if r == nil {
		var ev pecta.Event // no agent: refused and counted as invalid
		return e.Track(&ev)
	}
	if e.closed.Load() {
		e.dropClosed.Add(1)
		return ErrClosed
	}
	hint := goroutineHint()
	if !e.keep(r.AgentID, hint) {
		return nil
	}
	switch n := len(r.Gates); {
	case n <= stackGates:
		var gates [stackGates]pecta.GateResult
		return e.trackResult(r, gates[:n], hint)
	case n <= pecta.MaxGates:
		gates := gatesPool.Get().(*[pecta.MaxGates]pecta.GateResult)
		err := e.trackResult(r, gates[:n], hint)
		clear(gates[:n]) // drop the strings
		gatesPool.Put(gates)
		return err
	default: // not from an Engine: Track refuses it
		ev := r.Event()
		return e.track(&ev, hint, true)
	}
}

// stackGates is how many gates TrackResult converts on the stack: the
// array is zeroed on every call, and 50 gates (2.8 KB) cost more than the
// rest of the call (BenchmarkTrackResult*).
const stackGates = 8

var gatesPool = sync.Pool{New: func() any { return new([pecta.MaxGates]pecta.GateResult) }}

// trackResult tracks r's event with its gates converted into gates
// (len(gates) == len(r.Gates)); r is already kept by the sampler. Gates
// that failFast aborted never ran and are left out, as in
// gate.Result.AppendEvent.
func (e *Emitter) trackResult(r *gate.Result, gates []pecta.GateResult, hint uint64) error {
	n := 0
	for i := range r.Gates {
		g := &r.Gates[i]
		if g.Aborted {
			continue
		}
		// field by field: a composite literal is built in a temporary and
		// copied with wide moves that stall on its narrower stores (this
		// conversion measured 127 -> 198 ns with literals)
		d := &gates[n]
		d.Name, d.Passed, d.LatencyMS, d.Reason, d.Skipped = g.Name, g.Passed, g.LatencyMS, g.Reason, g.Skipped
		n++
	}
	var ev pecta.Event
	ev.AgentID, ev.Tool, ev.Gates, ev.Passed, ev.TotalLatencyMS = r.AgentID, r.Tool, gates[:n], r.Passed, r.TotalLatencyMS
	return e.track(&ev, hint, true)
}
