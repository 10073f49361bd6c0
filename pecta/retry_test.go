package pecta

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestIngestRetriesResendIdenticalBodyAndSignature(t *testing.T) {
	s := newScript(t,
		reply(503, apiErr(503, "unavailable")),
		reply(503, apiErr(503, "unavailable")),
		reply(202, `{"accepted":2,"reputation_updates":[]}`),
	)
	c := newTestClient(t, s.URL, testPK, WithSecretKey(testSK))
	res, err := c.Ingest(context.Background(), []Event{
		{AgentID: "a", Passed: true, TotalLatencyMS: 1.5, Gates: []GateResult{{Name: "pii", Passed: true, LatencyMS: 0.2}}},
		{AgentID: "b", Tool: "bid"},
	})
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if res.Accepted != 2 {
		t.Errorf("Accepted = %d", res.Accepted)
	}
	reqs := s.requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(reqs))
	}
	sig := reqs[0].Header.Get("X-Pecta-Signature")
	if len(sig) != len("sha256=")+64 {
		t.Fatalf("signature header %q", sig)
	}
	for i, r := range reqs {
		if !bytes.Equal(r.Body, reqs[0].Body) {
			t.Errorf("attempt %d body differs", i+1)
		}
		if got := r.Header.Get("X-Pecta-Signature"); got != sig {
			t.Errorf("attempt %d signature %q, want %q", i+1, got, sig)
		}
		if bytes.Contains(r.Body, []byte(testSK)) || bytes.Contains(r.Body, []byte(testSK[8:])) {
			t.Error("secret key in body")
		}
		for k, vs := range r.Header {
			for _, v := range vs {
				if bytes.Contains([]byte(v), []byte(testSK[8:])) {
					t.Errorf("secret key in header %s", k)
				}
			}
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testPK {
			t.Errorf("Authorization = %q", got)
		}
	}
}

func TestRetryAfterHonouredAsFloor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newMemClient(t, testPK,
			reply(429, apiErr(429, "rate_limited"), "Retry-After", "1"),
			reply(200, `{"agent_id":"a","score":1}`),
		)
		start := time.Now()
		if _, err := c.Reputation(context.Background(), "a"); err != nil {
			t.Fatalf("Reputation: %v", err)
		}
		if el := time.Since(start); el < time.Second {
			t.Errorf("returned after %v, before Retry-After 1s", el)
		}
	})
}

func TestRetryAfterIsCapped(t *testing.T) {
	s := newScript(t,
		reply(429, apiErr(429, "rate_limited"), "Retry-After", "3600"),
		reply(200, `{"agent_id":"a"}`),
	)
	c := newTestClient(t, s.URL, testPK, WithRetryAfterCap(20*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Reputation(ctx, "a"); err != nil {
		t.Fatalf("Reputation: %v (a one-hour Retry-After was not capped)", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestRetryAfterAsHTTPDate(t *testing.T) {
	s := newScript(t,
		reply(503, apiErr(503, "unavailable"), "Retry-After", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)),
		reply(200, `{"agent_id":"a"}`),
	)
	c := newTestClient(t, s.URL, testPK)
	if _, err := c.Reputation(context.Background(), "a"); err != nil {
		t.Fatalf("Reputation: %v", err)
	}
}

func TestCancelDuringRetryAfterReturnsPromptly(t *testing.T) {
	s := newScript(t, reply(429, apiErr(429, "rate_limited"), "Retry-After", "10"))
	waiting := make(chan struct{})
	c := newTestClient(t, s.URL, testPK, WithLogger(slog.New(onMessage{"pecta: retrying", waiting})))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Reputation(ctx, "a")
		done <- err
	}()
	// cancel once the client got the 429 and started its 10 s wait
	select {
	case <-waiting:
	case <-time.After(5 * time.Second):
		t.Fatal("the client never started waiting")
	}
	cancel()
	start := time.Now()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("call did not return after cancellation")
	}
	if el := time.Since(start); el > 100*time.Millisecond {
		t.Errorf("returned %v after cancel, want < 100ms", el)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 429 || ae.RetryAfter != 10*time.Second {
		t.Errorf("err does not carry the last 429: %v", err)
	}
}

func TestWaitPastDeadlineNotStarted(t *testing.T) {
	s := newScript(t, reply(429, apiErr(429, "rate_limited"), "Retry-After", "5"))
	c := newTestClient(t, s.URL, testPK)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Reputation(ctx, "a")
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Errorf("took %v; a 5s wait past a 2s deadline must not start", el)
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.RetryAfter != 5*time.Second || ae.Code != CodeRateLimited {
		t.Errorf("APIError = %+v", ae)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestExhaustedRetriesKeepLastError(t *testing.T) {
	s := newScript(t, reply(502, "<html><body>Bad gateway</body></html>", "Content-Type", "text/html", "X-Request-Id", "req_1"))
	c := newTestClient(t, s.URL, testPK, WithMaxRetries(2))
	_, err := c.Agents.List(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.StatusCode != 502 || ae.Attempts != 3 || ae.RequestID != "req_1" || !errors.Is(err, ErrServer) {
		t.Errorf("APIError = %+v", ae)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
}

func TestNonIdempotentPostsNotRetriedAfterReachingServer(t *testing.T) {
	cases := []struct {
		name string
		call func(c *Client) error
	}{
		{"evaluate", func(c *Client) error {
			_, err := c.Evaluate(context.Background(), EvaluateRequest{AgentID: "a", Output: "x"})
			return err
		}},
		{"keys.create", func(c *Client) error {
			_, err := c.Keys.Create(context.Background(), KeyCreateParams{Name: "k"})
			return err
		}},
		{"agents.register", func(c *Client) error {
			_, err := c.Agents.Register(context.Background(), "a")
			return err
		}},
	}
	for _, tc := range cases {
		for _, status := range []int{500, 503, 429} {
			s := newScript(t, reply(status, apiErr(status, "x"), "Retry-After", "0"))
			c := newTestClient(t, s.URL, testSK)
			err := tc.call(c)
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != status {
				t.Errorf("%s/%d: err = %v", tc.name, status, err)
			}
			if n := len(s.requests()); n != 1 {
				t.Errorf("%s/%d: server saw %d requests, want 1", tc.name, status, n)
			}
		}
	}
}

// countingTransport counts round trips.
type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestEvaluateRetriedOnlyWhenConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: every dial is refused
	ct := &countingTransport{base: http.DefaultTransport}
	c := newTestClient(t, "http://"+addr, testPK, WithHTTPClient(&http.Client{Transport: ct}), WithMaxRetries(2))
	_, err = c.Evaluate(context.Background(), EvaluateRequest{AgentID: "a", Output: "x"})
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err = %v, want a dial error", err)
	}
	if n := ct.n.Load(); n != 3 {
		t.Errorf("round trips = %d, want 3 (dial errors prove the request never left)", n)
	}
}

func TestEvaluateNotRetriedOnReset(t *testing.T) {
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	})
	c := newTestClient(t, s.URL, testPK)
	if _, err := c.Evaluate(context.Background(), EvaluateRequest{AgentID: "a", Output: "x"}); err == nil {
		t.Fatal("want an error")
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
	// a GET is retried after a reset
	s2 := newScript(t, s.h[0], reply(200, `{"agents":[]}`))
	c2 := newTestClient(t, s2.URL, testPK)
	if _, err := c2.Agents.List(context.Background()); err != nil {
		t.Fatalf("List after reset: %v", err)
	}
	if n := len(s2.requests()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 422} {
		s := newScript(t, reply(status, apiErr(status, "x")))
		c := newTestClient(t, s.URL, testPK)
		_, err := c.Agents.List(context.Background())
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != status {
			t.Errorf("%d: err = %v", status, err)
		}
		if n := len(s.requests()); n != 1 {
			t.Errorf("%d: %d requests, want 1", status, n)
		}
	}
}

func TestRevokeRetried(t *testing.T) {
	s := newScript(t, reply(503, ""), reply(204, ""))
	c := newTestClient(t, s.URL, testSK)
	if err := c.Keys.Revoke(context.Background(), "key_1"); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

// onMessage is a slog handler that closes ch at the first record whose
// message is msg.
type onMessage struct {
	msg string
	ch  chan struct{}
}

func (h onMessage) Enabled(context.Context, slog.Level) bool { return true }
func (h onMessage) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case <-h.ch:
		default:
			close(h.ch)
		}
	}
	return nil
}
func (h onMessage) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onMessage) WithGroup(string) slog.Handler      { return h }
