package pectatest

import (
	"github.com/stretchr/testify/require"
	"net/http"
	"net/url"
	"testing"
)

func TestComputeReputation(t *testing.T) {
	seq := func(pattern string, latency float64) []outcome {
		out := make([]outcome, len(pattern))
		for i, ch := range pattern {
			out[i] = outcome{passed: ch == 'P', latencyMS: latency}
		}
		return out
	}
	repeat := func(o outcome, n int) []outcome {
		out := make([]outcome, n)
		for i := range out {
			out[i] = o
		}
		return out
	}
	tests := []struct {
		name   string
		window []outcome
		want   reputation
	}{
		{"unknown agent", nil, reputation{AgentID: "x", Status: "new"}},
		// 10 evaluations, 8 passed, 20 ms each, last three passed:
		// 0.8*400 + (1-20/100)*250 + (3/50)*200 + (10/500)*150 = 320 + 200 + 12 + 3 = 535.
		{"hand computed", seq("PPPFPPFPPP", 20), reputation{AgentID: "x", Score: 535, Evaluations: 10, Passed: 8,
			PassRate: 0.8, AvgLatencyMS: 20, Streak: 3, Status: "calibrating"}},
		// one failure, slow: 0 + 0 + 0 + (1/500)*150 = 0.3 -> 0.
		{"single slow failure", seq("F", 150), reputation{AgentID: "x", Evaluations: 1, AvgLatencyMS: 150, Status: "calibrating"}},
		// 50 passes at 0 ms: 400 + 250 + 200 + (50/500)*150 = 865.
		{"active", repeat(outcome{passed: true}, 50), reputation{AgentID: "x", Score: 865, Evaluations: 50, Passed: 50,
			PassRate: 1, Streak: 50, Status: "active"}},
		// 600 passes: the window keeps 500; 400 + 250 + 200 + 150 = 1000.
		{"mature capped window", repeat(outcome{passed: true}, 600), reputation{AgentID: "x", Score: 1000, Evaluations: 500,
			Passed: 500, PassRate: 1, Streak: 500, Status: "mature"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, computeReputation("x", tt.window))
		})
	}
}

func TestReputationEndpoint(t *testing.T) {
	srv, c := newTestServer(t)
	ids := []string{"plain", "with/slash", "with space", "ünïcødé", "a%2Fb"}
	for _, id := range ids {
		var events []map[string]any
		for _, p := range "PPPFPPFPPP" {
			events = append(events, map[string]any{"agent_id": id, "passed": p == 'P', "total_latency_ms": 20})
		}
		res := c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingestBody(events...))
		require.Equal(t, http.StatusAccepted, res.status, "body: %s", res.body)
		upd := res.decode(t)["reputation_updates"].([]any)[0].(map[string]any)
		require.Equal(t, float64(535), upd["score"])
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			res := c.do("GET", "/v1/reputation/"+url.PathEscape(id), srv.PublishableKey.Reveal(), nil)
			require.Equal(t, http.StatusOK, res.status)
			m := res.decode(t)
			require.Equal(t, id, m["agent_id"])
			require.Equal(t, float64(535), m["score"])
			require.Equal(t, float64(10), m["evaluations"])
			require.Equal(t, float64(8), m["passed"])
			require.Equal(t, 0.8, m["pass_rate"])
			require.Equal(t, float64(20), m["avg_latency_ms"])
			require.Equal(t, float64(3), m["streak"])
			require.Equal(t, "calibrating", m["status"])
		})
	}
	t.Run("unknown agent is zeroed, not 404", func(t *testing.T) {
		res := c.do("GET", "/v1/reputation/nobody", srv.PublishableKey.Reveal(), nil)
		require.Equal(t, http.StatusOK, res.status)
		m := res.decode(t)
		require.Equal(t, map[string]any{"agent_id": "nobody", "score": float64(0), "evaluations": float64(0),
			"passed": float64(0), "pass_rate": float64(0), "avg_latency_ms": float64(0), "streak": float64(0),
			"status": "new"}, m)
	})
}
