package pecta

import (
	"context"
	"encoding/json"
	"net/http"
)

// Evaluate runs the cloud gates (filesystem, pii, content) on one agent
// output and returns their verdict with the agent's updated reputation.
//
// Each call enters the agent's reputation window, so Evaluate is not
// idempotent: it is retried only when the request provably never left
// (the connection could not be made), never after a 5xx or a timeout.
func (c *Client) Evaluate(ctx context.Context, req EvaluateRequest) (*Evaluation, error) {
	const op = "evaluate"
	if err := checkAgentID(req.AgentID, "agent_id"); err != nil {
		return nil, err
	}
	if tooLong(req.Tool, MaxToolLen) {
		return nil, &ValidationError{Field: "tool", Reason: "exceeds 200 characters"}
	}
	if req.Output == nil {
		return nil, &ValidationError{Field: "output", Reason: "is required"}
	}
	if !(req.LatencyMS >= 0 && req.LatencyMS <= MaxLatencyMS) {
		return nil, &ValidationError{Field: "latency_ms", Reason: "must be between 0 and 60000"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &ValidationError{Field: "output", Reason: "cannot be encoded as JSON: " + err.Error()}
	}
	var out Evaluation
	err = c.do(ctx, &call{op: op, method: http.MethodPost, path: "/v1/evaluate", body: body, class: retryUnsent}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func checkAgentID(id, field string) error {
	if id == "" {
		return &ValidationError{Field: field, Reason: "is required"}
	}
	if tooLong(id, MaxAgentIDLen) {
		return &ValidationError{Field: field, Reason: "exceeds 200 characters"}
	}
	return nil
}
