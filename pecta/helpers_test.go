package pecta

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	testPK = "pk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
	testSK = "sk_live_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp"
)

// recorded is one request seen by a scripted server.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// script is an httptest server that answers from a list of handlers, one
// per request (the last one repeats), and records every request.
type script struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
	h    []http.HandlerFunc
}

func newScript(t *testing.T, h ...http.HandlerFunc) *script {
	t.Helper()
	s := &script{h: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 0, 512)
		buf := make([]byte, 512)
		for {
			n, err := r.Body.Read(buf)
			body = append(body, buf[:n]...)
			if err != nil {
				break
			}
		}
		s.mu.Lock()
		i := len(s.reqs)
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		s.mu.Unlock()
		if i >= len(s.h) {
			i = len(s.h) - 1
		}
		s.h[i](w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *script) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func reply(status int, body string, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		if body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func apiErr(status int, code string) string {
	return `{"error":"test error","code":"` + code + `","status":` + strconv.Itoa(status) + `}`
}

// newTestClient returns a client for s with fast retries.
func newTestClient(t *testing.T, url, key string, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithBaseURL(url), WithRetryWait(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := NewClient(key, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// inMemory is a transport that runs handlers in the calling goroutine, one
// per request (the last one repeats), with no network: a client on it can
// run inside a testing/synctest bubble, where its retry waits and
// timeouts take no wall time.
type inMemory struct {
	mu sync.Mutex
	n  int
	h  []http.HandlerFunc
}

func (m *inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	m.mu.Lock()
	i := min(m.n, len(m.h)-1)
	m.n++
	m.mu.Unlock()
	rec := httptest.NewRecorder()
	m.h[i](rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err // the handler gave up with the request
	}
	return rec.Result(), nil
}

// newMemClient returns a client whose requests are answered by h in
// memory, with the SDK's default retry waits.
func newMemClient(t *testing.T, key string, h ...http.HandlerFunc) *Client {
	t.Helper()
	c, err := NewClient(key, WithBaseURL("https://api.pecta.ai"), WithHTTPClient(&http.Client{Transport: &inMemory{h: h}}))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}
