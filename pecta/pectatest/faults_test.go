package pectatest

import (
	"context"
	"errors"
	"github.com/stretchr/testify/require"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestFailNext(t *testing.T) {
	srv, c := newTestServer(t)
	tests := []struct {
		status     int
		retryAfter time.Duration
		code       string
		header     string
	}{
		{429, 1500 * time.Millisecond, pecta.CodeRateLimited, "2"},
		{500, 0, codeInternal, ""},
		{502, 0, codeBadGateway, ""},
		{503, time.Second, codeUnavailable, "1"},
		{504, 0, codeGatewayTimeout, ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv.FailNext(2, tt.status, tt.retryAfter)
			for range 2 {
				res := c.do("GET", "/v1/agents", "", nil) // faults come before auth
				require.Equal(t, tt.status, res.status)
				require.Equal(t, tt.code, res.errorCode(t))
				require.Equal(t, tt.header, res.header.Get("Retry-After"))
			}
			require.Equal(t, 200, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)
		})
	}
}

func TestFailNextRawAndOrder(t *testing.T) {
	srv, c := newTestServer(t)
	srv.FailNextRaw(1, http.StatusBadGateway, "<html>bad gateway</html>", http.Header{"Content-Type": {"text/html"}})
	srv.FailNextRaw(1, http.StatusOK, `{"events": [`, nil)
	srv.FailNext(1, http.StatusServiceUnavailable, 0)

	res := c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil)
	require.Equal(t, 502, res.status)
	require.Equal(t, "text/html", res.header.Get("Content-Type"))
	require.Equal(t, "<html>bad gateway</html>", string(res.body))

	res = c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil)
	require.Equal(t, 200, res.status)
	require.Equal(t, `{"events": [`, string(res.body))

	require.Equal(t, 503, c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil).status)
	require.Equal(t, 200, c.do("GET", "/v1/events", srv.PublishableKey.Reveal(), nil).status)

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	statuses := []int{reqs[0].Status, reqs[1].Status, reqs[2].Status, reqs[3].Status}
	require.Equal(t, []int{502, 200, 503, 200}, statuses)
	require.Equal(t, "/v1/events", reqs[0].Path)
	require.Equal(t, "Bearer "+srv.PublishableKey.Reveal(), reqs[0].Header.Get("Authorization"))
	require.Equal(t, 3, srv.Stats().Faulted)

	srv.ResetRecord()
	require.Len(t, srv.Requests(), 0)
}

func TestResetNext(t *testing.T) {
	srv, c := newTestServer(t)
	c.hc.Transport.(*http.Transport).DisableKeepAlives = true
	srv.ResetNext(1)
	_, err := c.try("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingestBody(map[string]any{"agent_id": "a"}))
	require.Error(t, err)
	require.Len(t, srv.Ingested(), 0)
	res := c.do("POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingestBody(map[string]any{"agent_id": "a"}))
	require.Equal(t, 202, res.status)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, 0, reqs[0].Status, "reset requests are recorded without a status")
}

func TestSetLatency(t *testing.T) {
	srv, c := newTestServer(t)

	srv.SetLatency(30 * time.Millisecond)
	start := time.Now()
	require.Equal(t, 200, c.do("GET", "/health", "", nil).status)
	require.True(t, time.Since(start) >= 30*time.Millisecond, "latency applied")

	// The wait ends with the request's context.
	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/health", nil)
	_, err := c.hc.Do(req)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)

	srv.SetLatency(0)
	require.Equal(t, 200, c.do("GET", "/health", "", nil).status)
}

func TestCloseReleasesLatencyWaits(t *testing.T) {
	srv, c := newTestServer(t)
	waiting := make(chan struct{}, 1)
	srv.mu.Lock()
	srv.latencyHook = func() { waiting <- struct{}{} }
	srv.mu.Unlock()
	srv.SetLatency(time.Hour)

	type result struct {
		res response
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.try("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil)
		done <- result{res, err}
	}()
	<-waiting

	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while a request waited in SetLatency")
	}
	r := <-done
	if r.err == nil {
		require.Equal(t, http.StatusServiceUnavailable, r.res.status)
	}
	srv.Close() // safe twice
}

func TestDownUp(t *testing.T) {
	srv, c := newTestServer(t)
	url := srv.URL
	require.Equal(t, 200, c.do("GET", "/health", "", nil).status)

	srv.Down()
	srv.Down() // no-op
	_, err := c.try("GET", "/health", "", nil)
	require.Error(t, err)
	require.True(t, errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET), "got %v", err)

	require.NoError(t, srv.Up())
	require.NoError(t, srv.Up()) // already up
	require.Equal(t, url, srv.URL)
	require.Equal(t, 200, c.do("GET", "/v1/agents", srv.PublishableKey.Reveal(), nil).status)

	srv.Close()
	require.True(t, errors.Is(srv.Up(), ErrClosed))
	srv.Down() // no-op after Close
}

func TestCloseTwiceAndAfterClose(t *testing.T) {
	srv := NewServer()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	res, err := hc.Get(srv.URL + "/health")
	require.NoError(t, err)
	res.Body.Close()
	srv.Close()
	srv.Close()
	_, err = hc.Get(srv.URL + "/health")
	require.Error(t, err)

	down := NewServer()
	down.Down()
	down.Close() // closing a server that is down
}
