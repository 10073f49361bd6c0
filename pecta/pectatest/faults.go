package pectatest

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type faultKind int

const (
	faultStatus faultKind = iota // FailNext
	faultRaw                     // FailNextRaw
	faultReset                   // ResetNext
)

// fault is one entry of the FIFO queue of injected faults.
type fault struct {
	route      route // the requests it applies to; the zero route matches every request
	kind       faultKind
	remaining  int
	status     int
	retryAfter time.Duration
	body       string
	header     http.Header
}

// FailNext makes the next n requests, whatever their route (including /health), answer
// status with the documented JSON error body, before any authentication. The code is
// validation_error for 400, auth_invalid for 401, forbidden for 403, not_found for 404,
// rate_limited for 429, internal for 500, bad_gateway for 502, unavailable for 503,
// gateway_timeout for 504, "error" otherwise. If retryAfter > 0 the answer carries a
// Retry-After header in whole seconds, rounded up.
//
// Faults queue in the order they are set: FailNext(2, ...) then ResetNext(1) fails two
// requests and then resets the third. To fault only some routes (so that, say, a startup
// Reputation call does not consume a fault meant for ingest), use On.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	s.On("").FailNext(n, status, retryAfter)
}

// FailNextRaw makes the next n requests answer exactly status, body and header (for HTML
// 502 pages, truncated JSON, empty bodies...). net/http adds Date and Content-Length, and
// sniffs a Content-Type when header has none and body is not empty.
func (s *Server) FailNextRaw(n int, status int, body string, header http.Header) {
	s.On("").FailNextRaw(n, status, body, header)
}

// ResetNext makes the next n requests end without a response: the server hijacks the
// connection and closes it with SO_LINGER 0, so the client sees a connection reset.
// Note that net/http's Transport may itself retry an idempotent request (GET, HEAD...)
// that was reset on a reused keep-alive connection, consuming a second fault.
func (s *Server) ResetNext(n int) {
	s.On("").ResetNext(n)
}

// RouteFaults queues faults for the requests that match one route pattern. Get one from
// Server.On.
type RouteFaults struct {
	s *Server
	r route
}

// On returns the fault injector of the requests matching pattern, for instance
//
//	srv.On("POST /v1/ingest").FailNext(1, http.StatusServiceUnavailable, 0)
//
// fails the next ingest request only; requests to other routes pass and leave the fault
// queued. A pattern is "[METHOD ]PATH", as with http.ServeMux: without a method it matches
// every method; PATH matches the request's path exactly ("/v1/ingest", "/health"), or as a
// prefix when it ends with a slash ("/v1/reputation/" matches every reputation request, "/"
// every request). The empty pattern matches every request, like the Server's own FailNext,
// FailNextRaw and ResetNext. On panics on a malformed pattern, as http.ServeMux does.
//
// Route faults share one queue with the others: a request gets the first queued fault
// that matches it, before any authentication.
func (s *Server) On(pattern string) RouteFaults {
	r, err := parseRoute(pattern)
	if err != nil {
		panic("pectatest: On: " + err.Error())
	}
	return RouteFaults{s: s, r: r}
}

// FailNext makes the next n matching requests answer status with the documented error
// body, as Server.FailNext does.
func (f RouteFaults) FailNext(n int, status int, retryAfter time.Duration) {
	f.s.pushFault(fault{route: f.r, kind: faultStatus, remaining: n, status: status, retryAfter: retryAfter})
}

// FailNextRaw makes the next n matching requests answer exactly status, body and header,
// as Server.FailNextRaw does.
func (f RouteFaults) FailNextRaw(n int, status int, body string, header http.Header) {
	f.s.pushFault(fault{route: f.r, kind: faultRaw, remaining: n, status: status, body: body, header: header.Clone()})
}

// ResetNext resets the connection of the next n matching requests, as Server.ResetNext
// does.
func (f RouteFaults) ResetNext(n int) {
	f.s.pushFault(fault{route: f.r, kind: faultReset, remaining: n})
}

// route is a parsed On pattern.
type route struct {
	method string // "" matches every method
	path   string // "" matches every path
	prefix bool   // path ends with "/": match it as a prefix
}

func parseRoute(pattern string) (route, error) {
	if pattern == "" {
		return route{}, nil
	}
	var r route
	path := pattern
	if method, rest, ok := strings.Cut(pattern, " "); ok {
		if method == "" || strings.IndexFunc(method, func(c rune) bool { return c < 'A' || c > 'Z' }) >= 0 {
			return route{}, fmt.Errorf("pattern %q: method must be upper-case letters (GET, POST ...)", pattern)
		}
		r.method, path = method, strings.TrimLeft(rest, " ")
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#") {
		return route{}, fmt.Errorf("pattern %q: want \"[METHOD ]/path\", e.g. \"POST /v1/ingest\"", pattern)
	}
	r.path, r.prefix = path, strings.HasSuffix(path, "/")
	return r, nil
}

func (r route) matches(req *http.Request) bool {
	if r.method != "" && r.method != req.Method {
		return false
	}
	switch {
	case r.path == "":
		return true
	case r.prefix:
		return strings.HasPrefix(req.URL.Path, r.path)
	default:
		return req.URL.Path == r.path
	}
}

func (s *Server) pushFault(f fault) {
	if f.remaining <= 0 {
		return
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// popFault takes one request's worth of the first queued fault that matches r.
func (s *Server) popFault(r *http.Request) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		if !s.faults[i].route.matches(r) {
			continue
		}
		f := s.faults[i]
		s.faults[i].remaining--
		if s.faults[i].remaining <= 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		s.stats.Faulted++
		return f, true
	}
	return fault{}, false
}

// applyFault answers a request with f. w is the raw writer (needed to hijack), sw the
// status-recording wrapper around it.
func (s *Server) applyFault(w http.ResponseWriter, sw *statusWriter, f fault) {
	switch f.kind {
	case faultReset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			writeError(sw, errorf(http.StatusInternalServerError, codeInternal, "pectatest: cannot hijack connection"))
			return
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = conn.Close()
	case faultRaw:
		h := sw.Header()
		for k, v := range f.header {
			h[k] = append([]string(nil), v...)
		}
		sw.WriteHeader(f.status)
		_, _ = sw.Write([]byte(f.body))
	default:
		if secs := retryAfterSeconds(f.retryAfter); secs > 0 {
			sw.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
		msg := http.StatusText(f.status)
		if msg == "" {
			msg = "injected failure"
		}
		writeError(sw, errorf(f.status, codeForStatus(f.status), "pectatest: injected: "+msg))
	}
}
