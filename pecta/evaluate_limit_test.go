package pecta

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// An Evaluate body over MaxEvaluateBytes is refused before anything is
// sent, naming the larger part; one at the limit is sent.
func TestEvaluateSizeLimit(t *testing.T) {
	s := newScript(t, reply(200, `{"evaluation_id":"e","passed":true,"gates":[],"total_latency_ms":1,"reputation":{"score":1}}`))
	c := newTestClient(t, s.URL, testPK)
	ctx := context.Background()

	big := strings.Repeat("x", MaxEvaluateBytes)
	cases := []struct {
		req   EvaluateRequest
		field string
	}{
		{EvaluateRequest{AgentID: "a", Output: big}, "output"},
		{EvaluateRequest{AgentID: "a", Output: "ok", Input: big}, "input"},
		{EvaluateRequest{AgentID: "a", Output: json.RawMessage(`"` + big + `"`)}, "output"},
		{EvaluateRequest{AgentID: "a", Output: map[string]string{"a": big[:MaxEvaluateBytes/2], "b": big[:MaxEvaluateBytes/2]}}, "output"},
	}
	for _, tc := range cases {
		_, err := c.Evaluate(ctx, tc.req)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, ErrValidation) || !strings.Contains(ve.Reason, "1 MiB") {
			t.Errorf("err = %v, want a ValidationError on %s", err, tc.field)
		}
	}
	if n := len(s.requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}

	// Exactly at the limit: sent.
	pad := MaxEvaluateBytes - len(`{"agent_id":"a","output":""}`)
	if _, err := c.Evaluate(ctx, EvaluateRequest{AgentID: "a", Output: big[:pad]}); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if len(reqs) != 1 || len(reqs[0].Body) != MaxEvaluateBytes {
		t.Fatalf("sent %d requests, body %d bytes", len(reqs), len(reqs[0].Body))
	}
}
