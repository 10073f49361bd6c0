package pectatest

import (
	"fmt"
	"github.com/stretchr/testify/require"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestEventsFilteringAndPaging(t *testing.T) {
	srv, c := newTestServer(t)
	base := time.Date(2026, 5, 7, 12, 0, 0, 0, time.UTC)
	var events []map[string]any
	for i := range 30 {
		agent := "even"
		if i%2 == 1 {
			agent = "odd"
		}
		// Pairs share a timestamp so ties must be broken by insertion order.
		ts := base.Add(time.Duration(i/2) * time.Minute)
		events = append(events, map[string]any{"agent_id": agent, "passed": i%3 != 0, "tool": fmt.Sprint(i),
			"total_latency_ms": i, "timestamp": ts.Format(time.RFC3339)})
	}
	res := c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingestBody(events...))
	require.Equal(t, http.StatusAccepted, res.status)

	list := func(t *testing.T, q string) (tools []string, m map[string]any) {
		t.Helper()
		res := c.do("GET", "/v1/events?"+q, srv.PublishableKey.Reveal(), nil)
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		m = res.decode(t)
		for _, e := range m["events"].([]any) {
			tools = append(tools, e.(map[string]any)["tool_name"].(string))
		}
		require.Equal(t, float64(len(tools)), m["count"])
		return tools, m
	}

	t.Run("default page newest first, ties by insertion", func(t *testing.T) {
		tools, m := list(t, "")
		require.Len(t, tools, 30)
		require.Equal(t, []string{"29", "28", "27", "26"}, tools[:4])
		require.Equal(t, float64(50), m["limit"])
		require.Equal(t, float64(0), m["offset"])
		first := m["events"].([]any)[0].(map[string]any)
		require.Equal(t, "2026-05-07T12:14:00.000Z", first["created_at"])
		require.Equal(t, "odd", first["agent_id"])
		require.Equal(t, float64(29), first["total_latency_ms"])
		require.NotEmpty(t, first["id"])
		require.Equal(t, []any{}, first["gates"])
		_, hasScore := first["reputation_score"]
		require.True(t, hasScore)
	})
	t.Run("paging is consistent", func(t *testing.T) {
		var all []string
		for off := 0; ; off += 7 {
			tools, _ := list(t, fmt.Sprintf("limit=7&offset=%d", off))
			all = append(all, tools...)
			if len(tools) < 7 {
				break
			}
		}
		want, _ := list(t, "limit=100")
		require.Equal(t, want, all)
	})
	t.Run("filters", func(t *testing.T) {
		tools, _ := list(t, "agent_id=odd&passed=false")
		require.Equal(t, []string{"27", "21", "15", "9", "3"}, tools)
		from := url.QueryEscape(base.Add(2 * time.Minute).Format(time.RFC3339))
		to := url.QueryEscape(base.Add(3 * time.Minute).Format(time.RFC3339Nano))
		tools, _ = list(t, "from="+from+"&to="+to)
		require.Equal(t, []string{"7", "6", "5", "4"}, tools, "from and to are inclusive")
		tools, _ = list(t, "passed=true&limit=2&offset=1")
		require.Equal(t, []string{"28", "26"}, tools)
		tools, _ = list(t, "agent_id=nobody")
		require.Len(t, tools, 0)
	})
	t.Run("evaluate events appear with server time", func(t *testing.T) {
		res := c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(), map[string]any{"agent_id": "ev", "output": "x", "tool": "t"})
		require.Equal(t, http.StatusOK, res.status)
		tools, _ := list(t, "agent_id=ev")
		require.Equal(t, []string{"t"}, tools)
	})

	bad := []struct{ query, param string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=x", "limit"},
		{"offset=-1", "offset"}, {"offset=100001", "offset"},
		{"passed=yes", "passed"}, {"from=yesterday", "from"}, {"to=2026-13-01T00:00:00Z", "to"},
	}
	for _, tt := range bad {
		t.Run("invalid "+tt.query, func(t *testing.T) {
			res := c.do("GET", "/v1/events?"+tt.query, srv.PublishableKey.Reveal(), nil)
			require.Equal(t, http.StatusBadRequest, res.status)
			require.Equal(t, pecta.CodeValidation, res.errorCode(t))
			require.Contains(t, string(res.body), tt.param+":")
		})
	}
	_, m := list(t, "offset=100000&limit=100")
	require.Equal(t, float64(0), m["count"])
}

func TestAgents(t *testing.T) {
	clock := newFakeClock()
	srv, c := newTestServer(t, WithClock(clock.Now))
	for _, id := range []string{"first", "second"} {
		for range 2 { // idempotent
			res := c.do("POST", "/v1/agents", srv.PublishableKey.Reveal(), map[string]any{"agent_id": id})
			require.Equal(t, http.StatusCreated, res.status)
			m := res.decode(t)
			require.Equal(t, id, m["agent_id"])
			require.Equal(t, true, m["registered"])
		}
		clock.Add(time.Second)
	}
	res := c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(), map[string]any{"agent_id": "first", "output": "ok"})
	require.Equal(t, http.StatusOK, res.status)

	res = c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil)
	agents := res.decode(t)["agents"].([]any)
	require.Len(t, agents, 2)
	a0 := agents[0].(map[string]any)
	require.Equal(t, "first", a0["agent_id"], "newest last_seen first")
	require.Equal(t, float64(1), a0["eval_count"])
	require.Equal(t, "2026-05-07T14:22:44.000Z", a0["first_seen"])
	require.Equal(t, "2026-05-07T14:22:46.000Z", a0["last_seen"])
	require.Equal(t, float64(0), agents[1].(map[string]any)["eval_count"])

	for _, body := range []any{map[string]any{}, map[string]any{"agent_id": ""}, `{"agent_id": 3}`} {
		res := c.do("POST", "/v1/agents", srv.PublishableKey.Reveal(), body)
		require.Equal(t, http.StatusBadRequest, res.status)
		require.Equal(t, pecta.CodeValidation, res.errorCode(t))
		require.Contains(t, string(res.body), "agent_id:")
	}
}
