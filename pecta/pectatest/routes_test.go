package pectatest

import (
	"github.com/stretchr/testify/require"
	"net/http"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestRoutingErrors(t *testing.T) {
	srv, c := newTestServer(t)
	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"unknown v1 route", "GET", "/v1/nope", 404, pecta.CodeNotFound},
		{"unknown root path", "GET", "/nope", 404, pecta.CodeNotFound},
		{"reputation without id", "GET", "/v1/reputation/", 404, pecta.CodeNotFound},
		{"wrong method evaluate", "GET", "/v1/evaluate", 405, codeMethodNotAllowed},
		{"wrong method events", "POST", "/v1/events", 405, codeMethodNotAllowed},
		{"wrong method key", "GET", "/v1/keys/key_x", 405, codeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(tt.method, tt.path, srv.SecretKey.Reveal(), nil)
			require.Equal(t, tt.status, res.status)
			require.Equal(t, tt.code, res.errorCode(t))
			if tt.status == 405 {
				require.NotEmpty(t, res.header.Get("Allow"))
			}
		})
	}
	// Unknown /v1 routes still need a key.
	require.Equal(t, pecta.CodeAuthMissing, c.do("GET", "/v1/nope", "", nil).errorCode(t))
}

func TestRateLimits(t *testing.T) {
	clock := newFakeClock()
	srv, c := newTestServer(t, WithClock(clock.Now), WithRateLimits(3, 2))
	ingest := ingestBody(map[string]any{"agent_id": "a"})

	require.Equal(t, 200, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
	clock.Add(10 * time.Second)
	require.Equal(t, 200, c.do("GET", "/v1/events", srv.SecretKey.Reveal(), nil).status)

	res := c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	require.Equal(t, pecta.CodeRateLimited, res.errorCode(t))
	require.Equal(t, "50", res.header.Get("Retry-After"), "oldest request leaves the window in 50 s")

	// Ingest has its own budget, and /health is not limited.
	for range 3 {
		require.Equal(t, 202, c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingest).status)
	}
	res = c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingest)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	require.Equal(t, "60", res.header.Get("Retry-After"))
	require.Equal(t, 200, c.do("GET", "/health", "", nil).status)
	require.Len(t, srv.Ingested(), 3)

	clock.Add(50 * time.Second) // the first GET leaves the window
	require.Equal(t, 200, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
	require.Equal(t, 429, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
	require.Equal(t, 3, srv.Stats().RateLimited)

	t.Run("unlimited", func(t *testing.T) {
		srv, c := newTestServer(t, WithoutRateLimits())
		for range 250 {
			require.Equal(t, 200, c.do("GET", "/health", "", nil).status)
		}
		for range 201 {
			res := c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil)
			require.Equal(t, 200, res.status)
		}
	})
	t.Run("default other limit is 200", func(t *testing.T) {
		srv, c := newTestServer(t, WithClock(newFakeClock().Now))
		for range DefaultOtherPerMinute {
			require.Equal(t, 200, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
		}
		require.Equal(t, 429, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
	})
}
