package pectatest

import (
	"encoding/json"
	"fmt"
	"github.com/stretchr/testify/require"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestIngestHappyPath(t *testing.T) {
	srv, c := newTestServer(t)
	body := ingestBody(
		map[string]any{"agent_id": "a", "tool": "bid", "passed": true, "total_latency_ms": 3.5,
			"timestamp": "2026-05-07T14:22:44.123Z",
			"gates":     []any{map[string]any{"name": "budget", "passed": true, "latency_ms": 1.5}}},
		map[string]any{"agent_id": "b", "gates": []any{map[string]any{"name": "g", "passed": false, "reason": "no"}}},
		map[string]any{"agent_id": "a", "passed": false, "timestamp": "2026-05-07T14:22:45Z", "extra": "ignored"},
	)
	res := c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), body)
	require.Equal(t, http.StatusAccepted, res.status, "body: %s", res.body)
	m := res.decode(t)
	require.Equal(t, float64(3), m["accepted"])
	updates := m["reputation_updates"].([]any)
	require.Len(t, updates, 2)
	require.Equal(t, "a", updates[0].(map[string]any)["agent_id"])
	require.Equal(t, "calibrating", updates[0].(map[string]any)["status"])

	got := srv.Ingested()
	require.Len(t, got, 3)
	require.Equal(t, "bid", got[0].Tool)
	require.Equal(t, 3.5, got[0].TotalLatencyMS)
	require.Equal(t, []Gate{{Name: "budget", Passed: true, LatencyMS: 1.5}}, got[0].Gates)
	require.Equal(t, time.Date(2026, 5, 7, 14, 22, 44, 123e6, time.UTC), got[0].Timestamp)
	require.False(t, got[1].Passed, "no passed field: derived from the failed gate")
	require.True(t, got[2].Timestamp.Equal(time.Date(2026, 5, 7, 14, 22, 45, 0, time.UTC)))
	require.Contains(t, string(got[2].Raw), `"extra"`)
	require.Equal(t, 1, srv.Stats().IngestBatches)
}

func TestIngestValidationIsAtomic(t *testing.T) {
	srv, c := newTestServer(t)
	good := map[string]any{"agent_id": "ok"}
	long := strings.Repeat("x", 201)
	manyGates := make([]any, 51)
	for i := range manyGates {
		manyGates[i] = map[string]any{"name": "g"}
	}
	tooMany := make([]map[string]any, 101)
	for i := range tooMany {
		tooMany[i] = good
	}
	tests := []struct {
		name  string
		body  any
		code  string
		field string
	}{
		{"bad json", `{"events":[`, pecta.CodeBadJSON, ""},
		{"no events", `{}`, pecta.CodeValidation, "events"},
		{"empty events", ingestBody(), pecta.CodeValidation, "events"},
		{"events not array", `{"events":{}}`, pecta.CodeValidation, "events"},
		{"101 events", ingestBody(tooMany...), pecta.CodeValidation, "events"},
		{"missing agent", ingestBody(good, map[string]any{"tool": "x"}), pecta.CodeValidation, "events[1].agent_id"},
		{"long agent", ingestBody(good, good, good, map[string]any{"agent_id": long}), pecta.CodeValidation, "events[3].agent_id"},
		{"long tool", ingestBody(map[string]any{"agent_id": "a", "tool": long}), pecta.CodeValidation, "events[0].tool"},
		{"event not object", `{"events":[1]}`, pecta.CodeValidation, "events[0]"},
		{"input sent", ingestBody(good, map[string]any{"agent_id": "a", "input": "secret prompt"}), pecta.CodeValidation, "events[1].input"},
		{"output sent", ingestBody(map[string]any{"agent_id": "a", "output": nil}), pecta.CodeValidation, "events[0].output"},
		{"gate details sent", ingestBody(map[string]any{"agent_id": "a", "gates": []any{map[string]any{"name": "g", "details": map[string]any{}}}}), pecta.CodeValidation, "events[0].gates[0].details"},
		{"51 gates", ingestBody(map[string]any{"agent_id": "a", "gates": manyGates}), pecta.CodeValidation, "events[0].gates"},
		{"gate without name", ingestBody(map[string]any{"agent_id": "a", "gates": []any{map[string]any{"passed": true}}}), pecta.CodeValidation, "events[0].gates[0].name"},
		{"long reason", ingestBody(map[string]any{"agent_id": "a", "gates": []any{map[string]any{"name": "g", "reason": strings.Repeat("r", 501)}}}), pecta.CodeValidation, "events[0].gates[0].reason"},
		{"bad timestamp", ingestBody(map[string]any{"agent_id": "a", "timestamp": "yesterday"}), pecta.CodeValidation, "events[0].timestamp"},
		{"negative latency", ingestBody(map[string]any{"agent_id": "a", "total_latency_ms": -1}), pecta.CodeValidation, "events[0].total_latency_ms"},
		{"passed not bool", ingestBody(map[string]any{"agent_id": "a", "passed": "yes"}), pecta.CodeValidation, "events[0].passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), tt.body)
			require.Equal(t, http.StatusBadRequest, res.status, "body: %s", res.body)
			require.Equal(t, tt.code, res.errorCode(t))
			if tt.field != "" {
				require.Contains(t, string(res.body), tt.field+":")
			}
			require.NotContains(t, string(res.body), "secret prompt")
		})
	}
	require.Len(t, srv.Ingested(), 0, "no event of a rejected batch is stored")
	res := c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil)
	require.Equal(t, float64(0), res.decode(t)["count"])
	res = c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil)
	require.Len(t, res.decode(t)["agents"], 0)
}

func TestIngestHMAC(t *testing.T) {
	srv, c := newTestServer(t)
	body, _ := json.Marshal(ingestBody(map[string]any{"agent_id": "signed"}))
	good := sign(body, srv.SecretKey.Reveal())
	tests := []struct {
		name      string
		signature string // "-" for no header
		status    int
		code      string
		valid     bool
	}{
		{"unsigned", "-", 202, "", false},
		{"lower hex", good, 202, "", true},
		{"upper hex", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), 202, "", true},
		{"wrong secret", sign(body, "sk_live_other"), 401, pecta.CodeHMACInvalid, false},
		{"other body", sign([]byte(string(body)+" "), srv.SecretKey.Reveal()), 401, pecta.CodeHMACInvalid, false},
		{"no prefix", strings.TrimPrefix(good, "sha256="), 401, pecta.CodeHMACInvalid, false},
		{"short", good[:20], 401, pecta.CodeHMACInvalid, false},
		{"not hex", "sha256=" + strings.Repeat("z", 64), 401, pecta.CodeHMACInvalid, false},
		{"empty", "", 401, pecta.CodeHMACInvalid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetRecord()
			var hdr []string
			if tt.signature != "-" {
				hdr = []string{"X-Pecta-Signature", tt.signature}
			}
			res := c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), body, hdr...)
			require.Equal(t, tt.status, res.status, "body: %s", res.body)
			if tt.code != "" {
				require.Equal(t, tt.code, res.errorCode(t))
			}
			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			require.Equal(t, tt.signature != "-", reqs[0].Signed)
			require.Equal(t, tt.valid, reqs[0].SignatureValid)
			require.Equal(t, tt.status, reqs[0].Status)
			require.Equal(t, string(body), string(reqs[0].Body))
		})
	}
	require.Equal(t, 2, srv.Stats().SignedBatches)

	t.Run("no secret on file", func(t *testing.T) {
		srv2, c2 := newTestServer(t, WithoutSecretKey())
		res := c2.do("POST", "/v1/ingest", srv2.PublishableKey.Reveal(), body, "X-Pecta-Signature", good)
		require.Equal(t, http.StatusUnauthorized, res.status)
		require.Equal(t, pecta.CodeHMACNoSecret, res.errorCode(t))
		require.Equal(t, http.StatusAccepted, c2.do("POST", "/v1/ingest", srv2.PublishableKey.Reveal(), body).status)
	})
}

func TestIngestBodyLimit(t *testing.T) {
	srv, c := newTestServer(t)
	big := fmt.Sprintf(`{"events":[{"agent_id":"a","tool":%q}]}`, strings.Repeat("x", maxBodyBytes))
	res := c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), big)
	require.Equal(t, http.StatusRequestEntityTooLarge, res.status)
	require.Equal(t, pecta.CodeValidation, res.errorCode(t))
}
