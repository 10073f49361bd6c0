package pectatest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// TestEvaluateAgreesWithInProcess sends outputs to POST /v1/evaluate over
// HTTP and runs the same values through an in-process engine with the
// generic gates: verdicts and reasons must be the same.
func TestEvaluateAgreesWithInProcess(t *testing.T) {
	srv, c := newTestServer(t)
	local, err := gate.NewEngine(gate.CloudGates(), gate.WithFailFast(false), gate.WithTimeout(time.Minute))
	require.NoError(t, err)
	outputs := []string{
		`"fine"`, `null`, `""`, `[]`, `{}`, `{"a":{"b":["c", 1, true, null]}}`,
		`"sudo rm -fr /var/tmp"`, `{"cmd":"cat ~/.aws/credentials"}`, `["../x"]`, `"rm -r x"`,
		`{"jane@corp.io": 1}`, `"call +1 (555) 123-4567"`, `"ssn: 078-05-1120"`, `"id 5551234567"`,
		`"I'm sorry, but I can't do that"`, `"I can't help but smile"`,
		`{"a":"/etc/hosts","b":"x@y.io","c":"As an AI model"}`,
		`{"a":"x\u0040y.io"}`, `"666-00-1234"`, `"cd .. && ls"`, `"I don't have access to that"`,
		strings.Repeat(`{"k":[`, 500) + `"rm -rf /"` + strings.Repeat(`]}`, 500),
		strings.Repeat(`[`, 2000) + `"fine"` + strings.Repeat(`]`, 2000),
	}
	for _, raw := range outputs {
		var v any
		require.NoError(t, json.Unmarshal([]byte(raw), &v))
		want, err := local.Evaluate(context.Background(), &gate.Evaluation{AgentID: "agree", Output: v})
		require.NoError(t, err)

		var got evalAnswer
		for try := 0; try < 3; try++ { // a stall past the server's 50 ms budget: ask again
			res := c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(), map[string]any{"agent_id": "agree", "output": json.RawMessage(raw)})
			require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
			got = evalAnswer{}
			require.NoError(t, json.Unmarshal(res.body, &got))
			if !got.timedOut() {
				break
			}
		}
		require.Equal(t, want.Passed, got.Passed, raw)
		require.Len(t, got.Gates, len(want.Gates))
		for i, g := range want.Gates {
			require.Equal(t, g.Name, got.Gates[i].Name, raw)
			require.Equal(t, g.Passed, got.Gates[i].Passed, "%s %s", raw, g.Name)
			require.Equal(t, g.Reason, got.Gates[i].Reason, "%s %s", raw, g.Name)
		}
	}
}

type evalAnswer struct {
	Passed bool `json:"passed"`
	Gates  []struct {
		Name   string `json:"name"`
		Passed bool   `json:"passed"`
		Reason string `json:"reason"`
	} `json:"gates"`
}

func (a *evalAnswer) timedOut() bool {
	for _, g := range a.Gates {
		if g.Reason == gate.ReasonTimeout {
			return true
		}
	}
	return false
}
