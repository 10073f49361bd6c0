package gate

import (
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Result is the verdict of an engine on one evaluation.
type Result struct {
	AgentID string // from the evaluation
	Tool    string // from the evaluation
	// Passed is true when every gate passed or was skipped.
	Passed bool
	// Gates has one entry per gate of the engine, in the engine's order.
	Gates []GateResult
	// TotalLatencyMS is the wall-clock time of the whole evaluation.
	TotalLatencyMS float64
}

// GateResult is one gate's verdict in a Result.
type GateResult struct {
	Name      string
	Passed    bool    // a skipped gate counts as passed
	Skipped   bool    // the gate did not apply, or the pipeline ended before it
	Aborted   bool    // failFast stopped the gate before it ran (Reason is ReasonAborted); left out of telemetry
	LatencyMS float64 // time the gate ran, 0 for a gate that did not start
	Reason    string  // why it failed or was skipped; ReasonTimeout when the budget cut it off
	Details   any     // from the gate's Outcome; never leaves the process
}

// TimedOut reports whether the budget cut the gate off.
func (g *GateResult) TimedOut() bool { return g.Reason == ReasonTimeout }

// AppendEvent fills ev with r's metadata, the privacy boundary of the
// engine: agent, tool, gate names, verdicts, reasons and latencies. The
// evaluation's input and output and the gates' details are not part of a
// pecta.Event and never leave the process. ev.Gates is reused (no
// allocation when it has room for every gate); ev.Timestamp is left zero,
// so the emitter stamps the time of Track. Strings are shared, not copied.
//
// Gates that failFast aborted (GateResult.Aborted) are left out of the
// event: they never ran, and the wire has no "aborted" flag, so sending
// them as failed would count, in the server's per-gate pass rates, a
// failure of every gate listed after the one that failed. The event's
// Passed is still false (the failing gate is in it), and the reference's
// engine page reports aborted gates in the result, not as verdicts of
// their own: the in-process Result keeps them. Gates the budget cut off
// (ReasonTimeout) are sent: the reference reports them as failed.
func (r *Result) AppendEvent(ev *pecta.Event) {
	ev.AgentID = r.AgentID
	ev.Tool = r.Tool
	ev.Passed = r.Passed
	ev.TotalLatencyMS = r.TotalLatencyMS
	ev.Timestamp = time.Time{}
	gates := ev.Gates[:0]
	for i := range r.Gates {
		g := &r.Gates[i]
		if g.Aborted {
			continue
		}
		gates = append(gates, pecta.GateResult{
			Name: g.Name, Passed: g.Passed, LatencyMS: g.LatencyMS, Reason: g.Reason, Skipped: g.Skipped,
		})
	}
	ev.Gates = gates
}

// Event returns r's metadata as a new pecta.Event. See AppendEvent.
func (r *Result) Event() pecta.Event {
	ev := pecta.Event{Gates: make([]pecta.GateResult, 0, len(r.Gates))}
	r.AppendEvent(&ev)
	return ev
}

// Gate returns the result of the gate called name, or nil.
func (r *Result) Gate(name string) *GateResult {
	for i := range r.Gates {
		if r.Gates[i].Name == name {
			return &r.Gates[i]
		}
	}
	return nil
}
