package pectatest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta"
)

// A fault aimed at ingest is not consumed by the requests to other routes made before it.
func TestOnTargetsOneRoute(t *testing.T) {
	srv, c := newTestServer(t)
	srv.On("POST /v1/ingest").FailNext(1, http.StatusServiceUnavailable, 0)

	require.Equal(t, 200, c.do("GET", "/v1/reputation/a", srv.PublishableKey.Reveal(), nil).status)
	require.Equal(t, 200, c.do("GET", "/health", "", nil).status)
	require.Equal(t, 405, c.do("GET", "/v1/ingest", srv.PublishableKey.Reveal(), nil).status, "other method: not faulted")
	body := ingestBody(map[string]any{"agent_id": "a"})
	require.Equal(t, 503, c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), body).status)
	require.Equal(t, 202, c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), body).status)
	require.Equal(t, 1, srv.Stats().Faulted)
}

func TestOnPatterns(t *testing.T) {
	cases := []struct {
		pattern string
		method  string
		path    string
		match   bool
	}{
		{"", "GET", "/health", true},
		{"/v1/ingest", "POST", "/v1/ingest", true},
		{"/v1/ingest", "GET", "/v1/ingest", true},
		{"POST /v1/ingest", "GET", "/v1/ingest", false},
		{"POST /v1/ingest", "POST", "/v1/ingest/x", false},
		{"GET /v1/reputation/", "GET", "/v1/reputation/bidder 7", true},
		{"GET /v1/reputation/", "GET", "/v1/reputation", false},
		{"/", "DELETE", "/v1/keys/key_1", true},
		{"DELETE  /v1/keys/", "DELETE", "/v1/keys/key_1", true},
		{"/health", "GET", "/healthz", false},
	}
	for _, tc := range cases {
		r, err := parseRoute(tc.pattern)
		require.NoError(t, err, tc.pattern)
		req, err := http.NewRequest(tc.method, "http://127.0.0.1"+strings.ReplaceAll(tc.path, " ", "%20"), nil)
		require.NoError(t, err)
		require.Equal(t, tc.match, r.matches(req), "%q on %s %s", tc.pattern, tc.method, tc.path)
	}
	srv := NewServer()
	defer srv.Close()
	for _, bad := range []string{"v1/ingest", "post /v1/ingest", "POST", "POST v1", " /v1/ingest", "/v1/events?limit=1", "GET /v1 x"} {
		_, err := parseRoute(bad)
		require.Error(t, err, bad)
		require.Panics(t, func() { srv.On(bad) }, bad)
	}
}

// Route faults and unrouted ones share one queue: a request takes the first that matches.
func TestOnQueueOrder(t *testing.T) {
	srv, c := newTestServer(t)
	srv.On("/v1/agents").FailNext(1, http.StatusBadGateway, 0)
	srv.FailNext(1, http.StatusInternalServerError, 0)
	srv.On("GET /v1/events").FailNextRaw(1, http.StatusOK, "{", nil)

	require.Equal(t, 500, c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil).status, "first matching fault: the unrouted one")
	res := c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil)
	require.Equal(t, "{", string(res.body))
	require.Equal(t, 200, c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil).status)
	require.Equal(t, 502, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
	require.Equal(t, 200, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
}

func TestOnResetNext(t *testing.T) {
	srv, c := newTestServer(t)
	c.hc.Transport.(*http.Transport).DisableKeepAlives = true
	srv.On("POST /v1/ingest").ResetNext(1)
	require.Equal(t, 200, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
	_, err := c.try("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingestBody(map[string]any{"agent_id": "a"}))
	require.Error(t, err)
	require.Equal(t, 202, c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingestBody(map[string]any{"agent_id": "a"})).status)
}

func TestServerClient(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	c := srv.Client(pecta.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	ctx := context.Background()
	_, err := c.Ingest(ctx, []pecta.Event{{AgentID: "a", Passed: true}})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "Bearer "+srv.PublishableKey.Reveal(), reqs[0].Header.Get("Authorization"))
	require.True(t, reqs[0].SignatureValid, "signed with the server's secret key")

	// Options given override the server's settings.
	c2 := srv.Client(pecta.WithMaxRetries(pecta.NoRetries))
	srv.On("GET /v1/agents").FailNext(1, http.StatusServiceUnavailable, 0)
	_, err = c2.Agents.List(ctx)
	require.True(t, errors.Is(err, pecta.ErrServer), "got %v", err)

	// Key management needs the secret key, as documented.
	_, err = c.Keys.List(ctx)
	require.ErrorIs(t, err, pecta.ErrSecretKeyRequired)

	// Without a secret key on file, the client does not sign.
	nosk := NewServer(WithoutSecretKey())
	defer nosk.Close()
	_, err = nosk.Client().Ingest(ctx, []pecta.Event{{AgentID: "a"}})
	require.NoError(t, err)
	require.False(t, nosk.Requests()[0].Signed)

	// An invalid option panics with a message that carries no key.
	msg := func() (msg string) {
		defer func() { msg = recover().(string) }()
		srv.Client(pecta.WithSecretKey(srv.PublishableKey.Reveal()))
		return ""
	}()
	require.Contains(t, msg, "pectatest: Server.Client:")
	require.NotContains(t, msg, srv.PublishableKey.Reveal()[8:])
}

func TestEvaluateBodyLimit(t *testing.T) {
	srv, c := newTestServer(t)
	big := strings.Repeat("x", pecta.MaxEvaluateBytes)
	res := c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(), map[string]any{"agent_id": "a", "output": big})
	require.Equal(t, http.StatusRequestEntityTooLarge, res.status)
	require.Equal(t, pecta.CodeValidation, res.errorCode(t))

	// Just under the limit is evaluated.
	pad := pecta.MaxEvaluateBytes - len(`{"agent_id":"a","output":""}`)
	res = c.do("POST", "/v1/evaluate", srv.PublishableKey.Reveal(), `{"agent_id":"a","output":"`+strings.Repeat("x", pad)+`"}`)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
}
