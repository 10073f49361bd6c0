package pectatest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Request is one request as the server received it.
type Request struct {
	Method   string
	Path     string // unescaped URL path
	RawQuery string
	Header   http.Header
	Body     []byte // at most 5 MiB
	// Status is the status answered; 0 while the request is in flight or when it ended
	// without a response (ResetNext, client gone during SetLatency).
	Status int
	// Signed reports an X-Pecta-Signature header.
	Signed bool
	// SignatureValid reports that the signature is well formed and matches the body under
	// one of the organisation's live secret keys when the request arrived.
	SignatureValid bool
	// SignedWith is the id of the live secret key the signature matched ("key_..."), as
	// Keys.List shows it; "" when SignatureValid is false.
	SignedWith string
	// Received is when the request arrived, by the server's clock (WithClock).
	Received time.Time
}

// IngestedEvent is one event accepted by POST /v1/ingest, as sent.
type IngestedEvent struct {
	AgentID        string
	Tool           string
	Gates          []pecta.GateResult
	Passed         bool // as sent; when absent, true if every gate passed or was skipped
	TotalLatencyMS float64
	Timestamp      time.Time       // as sent; zero when absent
	Raw            json.RawMessage // the event's JSON exactly as received
}

// Gate is one gate result of an ingested event: pecta.GateResult, under the name this
// package gave it before it used the SDK's type.
type Gate = pecta.GateResult

// Stats counts what the server has done since NewServer (ResetRecord does not clear it).
type Stats struct {
	Requests       int // requests received, faulted ones included
	Faulted        int // requests answered by FailNext, FailNextRaw or ResetNext
	RateLimited    int // 429 rate_limited answers
	Evaluations    int // successful POST /v1/evaluate calls
	IngestBatches  int // accepted POST /v1/ingest calls
	IngestedEvents int // events in accepted ingest calls
	SignedBatches  int // accepted ingest calls that carried a valid signature
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Requests returns a copy of every request received since NewServer or ResetRecord, in
// order of arrival, faulted ones included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// Ingested returns a copy of every event accepted by POST /v1/ingest since NewServer or
// ResetRecord, in order.
func (s *Server) Ingested() []IngestedEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]IngestedEvent, len(s.ingested))
	for i, e := range s.ingested {
		e.Gates = append([]pecta.GateResult(nil), e.Gates...)
		e.Raw = append(json.RawMessage(nil), e.Raw...)
		out[i] = e
	}
	return out
}

// ResetRecord clears what Requests and Ingested return. Stored events, agents,
// reputation, keys and usage logs are kept.
func (s *Server) ResetRecord() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.ingested = nil
	s.recordGen++
}

// recordRef locates a recorded request; gen changes on ResetRecord.
type recordRef struct {
	gen uint64
	idx int
}

// record appends r and returns where it was stored.
func (s *Server) record(r *http.Request, body []byte) recordRef {
	sig, signed := signatureHeader(r)
	req := Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		Signed:   signed,
		Received: s.now(),
	}
	if signed {
		id, e := s.verifySignature(sig, body)
		req.SignatureValid, req.SignedWith = e == nil, id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	s.requests = append(s.requests, req)
	return recordRef{gen: s.recordGen, idx: len(s.requests) - 1}
}

func (s *Server) setRecordedStatus(ref recordRef, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.gen == s.recordGen && ref.idx < len(s.requests) && s.requests[ref.idx].Status == 0 {
		s.requests[ref.idx].Status = status
	}
}

// signatureHeader returns the X-Pecta-Signature header and whether it was sent.
func signatureHeader(r *http.Request) (string, bool) {
	v, ok := r.Header["X-Pecta-Signature"]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}
