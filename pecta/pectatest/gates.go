package pectatest

import (
	"context"
	"encoding/json"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// The cloud gates of POST /v1/evaluate are the generic gates of package
// gate with their defaults (gate.CloudGates: filesystem, pii, content),
// run with the documented 50 ms budget and every gate judged (no failFast),
// so the server's answer on an output is the one an in-process engine
// gives on the same value.
var cloudEngine = func() *gate.Engine {
	e, err := gate.NewEngine(gate.CloudGates(), gate.WithTimeout(50*time.Millisecond), gate.WithFailFast(false))
	if err != nil {
		panic("pectatest: cloud gates: " + err.Error()) // unreachable: fixed, valid gates
	}
	return e
}()

// runGates runs the cloud gates over the output as raw JSON: the gates
// read every string of it at any nesting, and give the verdict an
// in-process engine gives on the same value decoded (TestReference in
// package gate checks both forms on every reference case).
func runGates(agentID, tool string, input, output json.RawMessage) (gates []Gate, passed bool, totalMS float64) {
	var in any
	if len(input) > 0 {
		in = input
	}
	res, err := cloudEngine.Evaluate(context.Background(), &gate.Evaluation{AgentID: agentID, Tool: tool, Input: in, Output: output})
	if err != nil { // unreachable: the handler has checked agent_id
		return []Gate{{Name: "pectatest", Reason: err.Error()}}, false, 0
	}
	gates = make([]Gate, len(res.Gates))
	for i, g := range res.Gates {
		gates[i] = Gate{Name: g.Name, Passed: g.Passed, LatencyMS: g.LatencyMS, Reason: g.Reason, Skipped: g.Skipped}
	}
	return gates, res.Passed, res.TotalLatencyMS
}
