package pecta

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// idleCounter is a transport that counts CloseIdleConnections calls.
type idleCounter struct {
	http.RoundTripper
	closes atomic.Int32
}

func (c *idleCounter) CloseIdleConnections() { c.closes.Add(1) }

// go-retryablehttp closes the idle connections of its client after every
// failed call; the SDK must not let that reach a client the application
// shares.
func TestFailedCallsKeepTheSharedPool(t *testing.T) {
	ic := &idleCounter{RoundTripper: http.DefaultTransport}
	shared := &http.Client{Transport: ic}
	s := newScript(t, reply(503, apiErr(503, "unavailable"), "Retry-After", "10"))
	waiting := make(chan struct{})
	c := newTestClient(t, s.URL, testPK, WithHTTPClient(shared), WithMaxRetries(1),
		WithLogger(slog.New(onMessage{"pecta: retrying", waiting})))

	// cancelled during a retry wait
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-waiting // the client got the 503 and started its wait
		cancel()
	}()
	if _, err := c.Agents.List(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// network errors until retries run out
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c2 := newTestClient(t, "http://"+addr, testPK, WithHTTPClient(shared), WithMaxRetries(1))
	if _, err := c2.Agents.List(context.Background()); err == nil {
		t.Fatal("want a dial error")
	}
	if n := ic.closes.Load(); n != 0 {
		t.Errorf("the shared client's idle connections were closed %d times", n)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var leaked atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.Write([]byte(`{"agents":[]}`))
	}))
	defer target.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		s := newScript(t, reply(status, "", "Location", target.URL+"/v1/agents"))
		c := newTestClient(t, s.URL, testPK)
		_, err := c.Agents.List(context.Background())
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != status {
			t.Errorf("%d: err = %v, want an *APIError with the redirect status", status, err)
		}
		if _, err := c.Evaluate(context.Background(), EvaluateRequest{AgentID: "a", Output: 1}); err == nil {
			t.Errorf("%d: evaluate followed a redirect", status)
		}
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("the key followed %d redirects", n)
	}
}

func TestMalformedBaseURLNeverEchoed(t *testing.T) {
	for _, u := range []string{
		"https://user:" + testSK + "@exa mple.com",
		"https://user:" + testSK + "@example.com:port",
		"https://" + testSK + "@[::1",
		"http://" + testSK + ":x@10.0.0.1",
		"%" + testSK,
	} {
		_, err := NewClient(testPK, WithBaseURL(u))
		if err == nil {
			t.Errorf("%q accepted", u)
			continue
		}
		if strings.Contains(err.Error(), testSK[8:20]) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
}

func TestBaseURLPathPrefix(t *testing.T) {
	s := newScript(t, reply(200, `{"agents":[]}`))
	for _, base := range []string{s.URL + "/pecta", s.URL + "/pecta/", s.URL + "/pecta//"} {
		c := newTestClient(t, base, testPK)
		if _, err := c.Agents.List(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range s.requests() {
		if r.Path != "/pecta/v1/agents" || r.RawQuery != "" {
			t.Errorf("requested %q ? %q", r.Path, r.RawQuery)
		}
	}
}

func TestRetryAfterFutureHTTPDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newMemClient(t, testPK,
			reply(503, apiErr(503, "unavailable"), "Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat)),
			reply(200, `{"agent_id":"a"}`),
		)
		start := time.Now()
		if _, err := c.Reputation(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
		// HTTP dates have one-second resolution: the floor is at least 1 s
		if el := time.Since(start); el < time.Second {
			t.Errorf("returned after %v, before the Retry-After date", el)
		}
	})
}

func TestDotSegmentsAreEscaped(t *testing.T) {
	s := newScript(t, reply(200, `{"agent_id":".."}`))
	c := newTestClient(t, s.URL, testSK)
	if _, err := c.Reputation(context.Background(), ".."); err != nil {
		t.Fatal(err)
	}
	_ = c.Keys.Revoke(context.Background(), ".")
	r := s.requests()
	if r[0].Path != "/v1/reputation/.." || r[1].Path != "/v1/keys/." {
		t.Errorf("paths %q %q", r[0].Path, r[1].Path)
	}
}

func TestHTTPClientTimeoutBoundsEachAttempt(t *testing.T) {
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}, reply(200, `{"agents":[]}`))
	c := newTestClient(t, s.URL, testPK, WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	start := time.Now()
	if _, err := c.Agents.List(context.Background()); err != nil {
		t.Fatalf("the second attempt should succeed: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v: the 100ms timeout did not bound the first attempt", el)
	}
	// evaluate: a timed-out attempt may have reached the server; not retried
	s2 := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c2 := newTestClient(t, s2.URL, testPK, WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	if _, err := c2.Evaluate(context.Background(), EvaluateRequest{AgentID: "a", Output: 1}); err == nil {
		t.Fatal("want a timeout")
	}
	if n := len(s2.requests()); n != 1 {
		t.Errorf("evaluate sent %d times after a timeout", n)
	}
}
