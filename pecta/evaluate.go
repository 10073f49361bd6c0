package pecta

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// Evaluate runs the cloud gates (filesystem, pii, content) on one agent
// output, checked locally first, and returns their verdict with the agent's
// updated reputation. Each call enters the reputation window, so it is
// retried only when the connection could not be made.
func (c *Client) Evaluate(ctx context.Context, req EvaluateRequest) (*Evaluation, error) {
	const op = "evaluate"
	if err := checkAgentID(req.AgentID, "agent_id"); err != nil {
		return nil, err
	}
	if r := checkText(req.Tool, MaxToolLen); r != "" {
		return nil, &ValidationError{Field: "tool", Reason: r}
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
	if len(body) > MaxEvaluateBytes {
		return nil, tooLargeError(req, len(body))
	}
	var out Evaluation
	err = c.do(ctx, &call{op: op, method: http.MethodPost, path: "/v1/evaluate", body: body, class: retryUnsent}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// MaxEvaluateBytes bounds the JSON body of one Evaluate call (the SDK's
// limit: the reference states none). A larger body is refused locally, with
// a *ValidationError naming the output or the input.
const MaxEvaluateBytes = 1 << 20

func tooLargeError(req EvaluateRequest, n int) error {
	field := "output"
	if req.Input != nil {
		// Only on this failure path: find which part is the larger.
		if in, err := json.Marshal(req.Input); err == nil && len(in) > n/2 {
			field = "input"
		}
	}
	return &ValidationError{Field: field, Reason: "makes the request body " + strconv.Itoa(n) +
		" bytes, over the 1 MiB limit of Evaluate (MaxEvaluateBytes)"}
}

// checkAgentID checks an agent id: 1..200 characters of valid UTF-8.
func checkAgentID(id, field string) error {
	if id == "" {
		return &ValidationError{Field: field, Reason: "is required"}
	}
	if r := checkText(id, MaxAgentIDLen); r != "" {
		return &ValidationError{Field: field, Reason: r}
	}
	return nil
}
