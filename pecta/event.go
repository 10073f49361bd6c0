package pecta

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pecta-ai/pecta-go/internal/wire"
)

// Documented limits of an ingested event (API.md section 5). Lengths count
// characters (Unicode code points).
const (
	MaxAgentIDLen   = 200
	MaxToolLen      = 200
	MaxGates        = 50
	MaxGateNameLen  = 200
	MaxReasonLen    = 500
	MaxLatencyMS    = 60000 // limit of EvaluateRequest.LatencyMS
	MaxBatchEvents  = 100   // events in one POST /v1/ingest
	ReasonTimeout   = "pecta:timeout"
	maxEventLatency = 1e12 // sanity bound: a latency beyond ~31 years is a bug

	minWireUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxWireUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// Event is one agent output's metadata, as sent to POST /v1/ingest.
//
// It has no field for the agent's input, its output or gate details: only
// metadata leaves the process, so a payload can never be sent by mistake.
type Event struct {
	AgentID        string       // required, 1..200 characters
	Tool           string       // optional, at most 200 characters
	Gates          []GateResult // at most 50
	Passed         bool         // true only if every gate passed
	TotalLatencyMS float64      // >= 0
	Timestamp      time.Time    // zero: the emitter stamps the time of Track; Client.Ingest leaves it to the server
}

// GateResult is the verdict of one gate on one output.
type GateResult struct {
	Name      string  `json:"name"`             // required, at most 200 characters
	Passed    bool    `json:"passed"`           // a skipped gate counts as passed
	LatencyMS float64 `json:"latency_ms"`       // >= 0
	Reason    string  `json:"reason,omitempty"` // at most 500 characters; "pecta:timeout" is reserved
	Skipped   bool    `json:"skipped,omitempty"`
}

// Validate checks e against the documented limits. It allocates only when it
// reports a problem, as a *ValidationError naming the field.
func (e *Event) Validate() error {
	if e == nil {
		return &ValidationError{Field: "event", Reason: "is nil"}
	}
	if e.AgentID == "" {
		return &ValidationError{Field: "agent_id", Reason: "is required"}
	}
	if tooLong(e.AgentID, MaxAgentIDLen) {
		return &ValidationError{Field: "agent_id", Reason: "exceeds 200 characters"}
	}
	if tooLong(e.Tool, MaxToolLen) {
		return &ValidationError{Field: "tool", Reason: "exceeds 200 characters"}
	}
	if !validLatency(e.TotalLatencyMS) {
		return &ValidationError{Field: "total_latency_ms", Reason: "must be a finite number >= 0"}
	}
	if !e.Timestamp.IsZero() {
		// RFC 3339 has four-digit years: anything else would make the
		// server reject the whole batch the event travels in.
		if u := e.Timestamp.Unix(); u < minWireUnix || u > maxWireUnix {
			return &ValidationError{Field: "timestamp", Reason: "year must be between 1 and 9999"}
		}
	}
	if len(e.Gates) > MaxGates {
		return &ValidationError{Field: "gates", Reason: "more than 50 gates"}
	}
	for i := range e.Gates {
		g := &e.Gates[i]
		if g.Name == "" {
			return &ValidationError{Field: gateField(i, "name"), Reason: "is required"}
		}
		if tooLong(g.Name, MaxGateNameLen) {
			return &ValidationError{Field: gateField(i, "name"), Reason: "exceeds 200 characters"}
		}
		if tooLong(g.Reason, MaxReasonLen) {
			return &ValidationError{Field: gateField(i, "reason"), Reason: "exceeds 500 characters"}
		}
		if !validLatency(g.LatencyMS) {
			return &ValidationError{Field: gateField(i, "latency_ms"), Reason: "must be a finite number >= 0"}
		}
	}
	return nil
}

func gateField(i int, name string) string { return "gates[" + strconv.Itoa(i) + "]." + name }

func validLatency(f float64) bool {
	return f >= 0 && f <= maxEventLatency && !math.IsInf(f, 0) // NaN fails f >= 0
}

// tooLong reports whether s has more than n characters, without allocating.
func tooLong(s string, n int) bool {
	if len(s) <= n {
		return false
	}
	return utf8.RuneCountInString(s) > n
}

// AppendJSON appends e's wire form to dst and returns the extended slice,
// without allocating when dst has room. Zero-valued optional fields are
// omitted. It does not validate: call Validate first.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"agent_id":`...)
	dst = wire.AppendString(dst, e.AgentID)
	if e.Tool != "" {
		dst = append(dst, `,"tool":`...)
		dst = wire.AppendString(dst, e.Tool)
	}
	dst = append(dst, `,"passed":`...)
	dst = wire.AppendBool(dst, e.Passed)
	dst = append(dst, `,"total_latency_ms":`...)
	dst = wire.AppendFloat(dst, e.TotalLatencyMS)
	if !e.Timestamp.IsZero() {
		dst = append(dst, `,"timestamp":`...)
		dst = wire.AppendTime(dst, e.Timestamp)
	}
	dst = append(dst, `,"gates":[`...)
	for i := range e.Gates {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = e.Gates[i].AppendJSON(dst)
	}
	return append(dst, "]}"...)
}

// MarshalJSON encodes e in its wire form.
func (e Event) MarshalJSON() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e.AppendJSON(make([]byte, 0, 128+64*len(e.Gates))), nil
}

// AppendJSON appends g's wire form to dst.
func (g *GateResult) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"name":`...)
	dst = wire.AppendString(dst, g.Name)
	dst = append(dst, `,"passed":`...)
	dst = wire.AppendBool(dst, g.Passed)
	dst = append(dst, `,"latency_ms":`...)
	dst = wire.AppendFloat(dst, g.LatencyMS)
	if g.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = wire.AppendString(dst, g.Reason)
	}
	if g.Skipped {
		dst = append(dst, `,"skipped":true`...)
	}
	return append(dst, '}')
}
