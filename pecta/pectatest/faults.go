package pectatest

import (
	"net"
	"net/http"
	"strconv"
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
	kind       faultKind
	remaining  int
	status     int
	retryAfter time.Duration
	body       string
	header     http.Header
}

// FailNext makes the next n requests, whatever their route (including /health), answer
// status with the documented JSON error body, before any authentication. The code is
// rate_limited for 429, internal for 500, bad_gateway for 502, unavailable for 503,
// gateway_timeout for 504 (see the Code constants for the others). If retryAfter > 0 the
// answer carries a Retry-After header in whole seconds, rounded up.
//
// Faults queue in the order they are set: FailNext(2, ...) then ResetNext(1) fails two
// requests and then resets the third.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	s.pushFault(fault{kind: faultStatus, remaining: n, status: status, retryAfter: retryAfter})
}

// FailNextRaw makes the next n requests answer exactly status, body and header (for HTML
// 502 pages, truncated JSON, empty bodies...). net/http adds Date and Content-Length, and
// sniffs a Content-Type when header has none and body is not empty.
func (s *Server) FailNextRaw(n int, status int, body string, header http.Header) {
	s.pushFault(fault{kind: faultRaw, remaining: n, status: status, body: body, header: header.Clone()})
}

// ResetNext makes the next n requests end without a response: the server hijacks the
// connection and closes it with SO_LINGER 0, so the client sees a connection reset.
// Note that net/http's Transport may itself retry an idempotent request (GET, HEAD...)
// that was reset on a reused keep-alive connection, consuming a second fault.
func (s *Server) ResetNext(n int) {
	s.pushFault(fault{kind: faultReset, remaining: n})
}

func (s *Server) pushFault(f fault) {
	if f.remaining <= 0 {
		return
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// popFault takes one request's worth of the first queued fault.
func (s *Server) popFault() (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return fault{}, false
	}
	f := s.faults[0]
	s.faults[0].remaining--
	if s.faults[0].remaining <= 0 {
		s.faults = s.faults[1:]
	}
	s.stats.Faulted++
	return f, true
}

// applyFault answers a request with f. w is the raw writer (needed to hijack), sw the
// status-recording wrapper around it.
func (s *Server) applyFault(w http.ResponseWriter, sw *statusWriter, f fault) {
	switch f.kind {
	case faultReset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			writeError(sw, errorf(http.StatusInternalServerError, CodeInternal, "pectatest: cannot hijack connection"))
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
