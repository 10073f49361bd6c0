package telemetry

import (
	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// TrackResult tracks the metadata of an in-process gate evaluation: it is
// Track(&ev) where ev is r's pecta.Event (the same as gate.Result.Event),
// built on the stack, so it does not allocate either. The evaluation's
// input and output and the gates' details are not part of the event and
// never leave the process. It returns what Track returns; a nil r is an
// invalid event.
func (e *Emitter) TrackResult(r *gate.Result) error {
	if r == nil {
		var ev pecta.Event // no agent: refused and counted as invalid
		return e.Track(&ev)
	}
	if len(r.Gates) > pecta.MaxGates { // not from an Engine: Track refuses it
		ev := r.Event()
		return e.Track(&ev)
	}
	var gates [pecta.MaxGates]pecta.GateResult
	for i := range r.Gates {
		g := &r.Gates[i]
		gates[i] = pecta.GateResult{Name: g.Name, Passed: g.Passed, LatencyMS: g.LatencyMS, Reason: g.Reason, Skipped: g.Skipped}
	}
	ev := pecta.Event{
		AgentID:        r.AgentID,
		Tool:           r.Tool,
		Gates:          gates[:len(r.Gates)],
		Passed:         r.Passed,
		TotalLatencyMS: r.TotalLatencyMS,
	}
	return e.Track(&ev)
}
