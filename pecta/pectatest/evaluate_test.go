package pectatest

import (
	"github.com/stretchr/testify/require"
	"net/http"
	"strings"
	"testing"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestEvaluateGates(t *testing.T) {
	srv, c := newTestServer(t)
	tests := []struct {
		name   string
		output any
		failed string // the gate expected to fail, "" for none
	}{
		{"clean text", "the weather is fine", ""},
		{"nested clean", map[string]any{"rows": []any{1, 2, "ok"}}, ""},
		{"numbers", []any{1, 2, 3}, ""},
		{"rm -rf", "run rm -rf / now", "filesystem"},
		{"passwd", map[string]any{"cmd": "cat /etc/passwd"}, "filesystem"},
		{"traversal", []any{"open ../../secrets"}, "filesystem"},
		{"email", "mail me at jane.doe@example.com", "pii"},
		{"ssn", []any{"ssn 123-45-6789"}, "pii"},
		{"phone", map[string]any{"call": "(555) 123-4567"}, "pii"},
		{"refusal", "As an AI language model, I can't help with that.", "content"},
		{"null output", nil, "content"},
		{"empty object", map[string]any{}, "content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(),
				map[string]any{"agent_id": "eval-agent", "output": tt.output, "tool": "search", "latency_ms": 12})
			require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
			m := res.decode(t)
			require.True(t, strings.HasPrefix(m["evaluation_id"].(string), "eval_"))
			require.Equal(t, tt.failed == "", m["passed"])
			gates := m["gates"].([]any)
			require.Len(t, gates, 3)
			for _, g := range gates {
				g := g.(map[string]any)
				wantPass := g["name"] != tt.failed
				require.Equal(t, wantPass, g["passed"], "gate %v", g["name"])
				if !wantPass {
					require.NotEmpty(t, g["reason"])
					require.NotContains(t, g["reason"].(string), "jane.doe", "reasons never echo PII")
				}
			}
			rep := m["reputation"].(map[string]any)
			require.Equal(t, "calibrating", rep["lifecycle"])
		})
	}
	// Every call entered the window and registered the agent.
	res := c.do("GET", "/v1/reputation/eval-agent", srv.PublishableKey.Reveal(), nil)
	m := res.decode(t)
	require.Equal(t, float64(len(tests)), m["evaluations"])
	require.Equal(t, float64(3), m["passed"])
	require.Equal(t, float64(12), m["avg_latency_ms"])
	require.Equal(t, srv.Stats().Evaluations, len(tests))

	res = c.do("GET", "/v1/events?agent_id=eval-agent&limit=100", srv.PublishableKey.Reveal(), nil)
	require.Equal(t, float64(len(tests)), res.decode(t)["count"])
}

func TestEvaluateValidation(t *testing.T) {
	srv, c := newTestServer(t)
	long := strings.Repeat("x", 201)
	tests := []struct {
		name  string
		body  any
		code  string
		field string
	}{
		{"not json", `{"agent_id":`, pecta.CodeBadJSON, ""},
		{"empty body", "", pecta.CodeBadJSON, ""},
		{"trailing garbage", `{"agent_id":"a","output":1} x`, pecta.CodeBadJSON, ""},
		{"array body", `[]`, pecta.CodeValidation, "body"},
		{"missing agent", map[string]any{"output": "x"}, pecta.CodeValidation, "agent_id"},
		{"empty agent", map[string]any{"agent_id": "", "output": "x"}, pecta.CodeValidation, "agent_id"},
		{"long agent", map[string]any{"agent_id": long, "output": "x"}, pecta.CodeValidation, "agent_id"},
		{"agent not string", map[string]any{"agent_id": 5, "output": "x"}, pecta.CodeValidation, "agent_id"},
		{"missing output", map[string]any{"agent_id": "a"}, pecta.CodeValidation, "output"},
		{"long tool", map[string]any{"agent_id": "a", "output": 1, "tool": long}, pecta.CodeValidation, "tool"},
		{"latency too big", map[string]any{"agent_id": "a", "output": 1, "latency_ms": 60001}, pecta.CodeValidation, "latency_ms"},
		{"latency negative", map[string]any{"agent_id": "a", "output": 1, "latency_ms": -1}, pecta.CodeValidation, "latency_ms"},
		{"latency string", map[string]any{"agent_id": "a", "output": 1, "latency_ms": "5"}, pecta.CodeValidation, "latency_ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(), tt.body)
			require.Equal(t, http.StatusBadRequest, res.status, "body: %s", res.body)
			require.Equal(t, tt.code, res.errorCode(t))
			if tt.field != "" {
				require.Contains(t, string(res.body), tt.field+":")
			}
		})
	}
	// Multi-byte characters count as one each: 200 of them are allowed.
	res := c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(),
		map[string]any{"agent_id": strings.Repeat("é", 200), "output": "x"})
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, 0, srv.Stats().Evaluations-1)
}
