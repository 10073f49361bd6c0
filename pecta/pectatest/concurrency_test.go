package pectatest

import (
	"fmt"
	"github.com/stretchr/testify/require"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentUse exercises every store at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	srv, c := newTestServer(t, WithoutRateLimits())
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			agent := fmt.Sprintf("agent-%d", w%3)
			for range 10 {
				for _, r := range []struct {
					method, path string
					body         any
				}{
					{"POST", "/v1/ingest", ingestBody(map[string]any{"agent_id": agent, "passed": true})},
					{"POST", "/v1/evaluate", map[string]any{"agent_id": agent, "output": "ok"}},
					{"GET", "/v1/events?limit=5", nil},
					{"GET", "/v1/reputation/" + agent, nil},
					{"GET", "/v1/agents", nil},
				} {
					res, err := c.try(r.method, r.path, srv.PublishableKey.Reveal(), r.body)
					if err != nil || res.status >= 300 {
						t.Errorf("%s %s: %v %d", r.method, r.path, err, res.status)
						return
					}
				}
				_ = srv.Requests()
				_ = srv.Ingested()
				_ = srv.Stats()
				srv.CreateKey("k", "publishable")
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 80, srv.Stats().IngestBatches)
	res := c.do("GET", "/v1/reputation/agent-0", srv.PublishableKey.Reveal(), nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, float64(3*10*2), res.decode(t)["evaluations"])
}
