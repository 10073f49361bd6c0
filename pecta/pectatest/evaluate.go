package pectatest

import (
	"net/http"

	"github.com/pecta-ai/pecta-go/pecta"
)

// maxEvalLatencyMS is the largest latency_ms POST /v1/evaluate accepts.
const maxEvalLatencyMS = 60000

// handleEvaluate serves POST /v1/evaluate: runs the cloud gates, enters the result in the
// agent's reputation window (latency: latency_ms when sent, else the gates' total) and
// stores it as an event.
func (s *Server) handleEvaluate(w http.ResponseWriter, c *call) {
	if len(c.body) > pecta.MaxEvaluateBytes {
		writeError(w, errorf(http.StatusRequestEntityTooLarge, pecta.CodeValidation,
			"body: larger than 1 MiB, the limit of POST /v1/evaluate"))
		return
	}
	o, e := parseBody(c.body)
	if e != nil {
		writeError(w, e)
		return
	}
	agentID, e := o.str("", "agent_id", 1, 200)
	if e != nil {
		writeError(w, e)
		return
	}
	output, present := o["output"]
	if !present {
		writeError(w, validation("output: is required (any JSON value)"))
		return
	}
	tool, e := o.str("", "tool", 0, 200)
	if e != nil {
		writeError(w, e)
		return
	}
	latency, latencySent, e := o.num("", "latency_ms", 0, maxEvalLatencyMS)
	if e != nil {
		writeError(w, e)
		return
	}

	gates, passed, total := runGates(agentID, tool, o["input"], output)
	if !latencySent {
		latency = total
	}
	now := s.now()
	id := "eval_" + randomAlnum(24)

	s.mu.Lock()
	a := s.observeLocked(agentID, outcome{passed: passed, latencyMS: latency}, now)
	rep := computeReputation(agentID, a.window)
	s.storeEventLocked(storedEvent{
		agentID: agentID, createdAt: now, passed: passed, gates: gates,
		totalLatencyMS: total, tool: tool, reputationScore: rep.Score,
	})
	evalCount := a.evalCount
	s.stats.Evaluations++
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, map[string]any{
		"evaluation_id":    id,
		"passed":           passed,
		"gates":            gatesJSON(gates),
		"total_latency_ms": total,
		"reputation": map[string]any{
			"score":      rep.Score,
			"lifecycle":  rep.Status,
			"eval_count": evalCount,
		},
	})
}
