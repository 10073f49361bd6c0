package pectatest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/stretchr/testify/require"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tclient talks plain net/http to a test server.
type tclient struct {
	t   *testing.T
	srv *Server
	hc  *http.Client
}

func newTestServer(t *testing.T, opts ...Option) (*Server, *tclient) {
	t.Helper()
	srv := NewServer(opts...)
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return srv, &tclient{t: t, srv: srv, hc: &http.Client{Transport: tr}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// errorCode checks the error envelope and returns its code.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var e struct {
		Error  string `json:"error"`
		Code   string `json:"code"`
		Status int    `json:"status"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), "body: %s", r.body)
	require.Equal(t, r.status, e.Status, "status field")
	require.NotEmpty(t, e.Error)
	return e.Code
}

// bodyBytes turns a test body into bytes: nil, string, []byte or any JSON value.
func bodyBytes(t *testing.T, body any) []byte {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	case []byte:
		return b
	default:
		out, err := json.Marshal(b)
		require.NoError(t, err)
		return out
	}
}

// do sends a request with key as Bearer ("" for none) and extra header pairs.
func (c *tclient) do(method, path, key string, body any, headerPairs ...string) response {
	c.t.Helper()
	res, err := c.try(method, path, key, body, headerPairs...)
	require.NoError(c.t, err)
	return res
}

func (c *tclient) try(method, path, key string, body any, headerPairs ...string) (response, error) {
	c.t.Helper()
	var rd io.Reader
	if b := bodyBytes(c.t, body); b != nil {
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	require.NoError(c.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headerPairs); i += 2 {
		req.Header.Set(headerPairs[i], headerPairs[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: res.StatusCode, header: res.Header, body: b}, nil
}

func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 5, 7, 14, 22, 44, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ingestBody builds {"events": events}.
func ingestBody(events ...map[string]any) map[string]any {
	return map[string]any{"events": events}
}
