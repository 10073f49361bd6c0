package pecta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pecta-ai/pecta-go/internal/wire"
)

// Documented limits of an ingested event and of the other calls. Lengths
// count characters (Unicode code points); strings must be valid UTF-8.
const (
	MaxAgentIDLen   = 200
	MaxToolLen      = 200
	MaxGates        = 50
	MaxGateNameLen  = 200
	MaxReasonLen    = 500
	MaxLatencyMS    = 60000 // limit of EvaluateRequest.LatencyMS
	MaxBatchEvents  = 100   // events in one POST /v1/ingest
	ReasonTimeout   = "pecta:timeout"
	maxEventLatency = wire.MaxLatencyMS // sanity bound: a latency beyond ~31 years is a bug

	minWireUnix = wire.MinUnix // 0001-01-01T00:00:00Z
	maxWireUnix = wire.MaxUnix // 9999-12-31T23:59:59Z
)

// Event is one agent output's metadata, as sent to POST /v1/ingest: it
// has no field for input, output or gate details, so a payload cannot be
// sent by mistake. With gates, Passed is derived from them (every gate
// passed or was skipped) and Passed true next to a failed gate is refused;
// without gates it is sent as set. Its JSON is the wire form, validated
// both ways (Timestamp at millisecond precision, UTC).
type Event struct {
	AgentID        string       // required, 1..200 characters, valid UTF-8
	Tool           string       // optional, at most 200 characters, valid UTF-8
	Gates          []GateResult // at most 50
	Passed         bool         // with gates: derived (see above); without: sent as set
	TotalLatencyMS float64      // >= 0
	Timestamp      time.Time    // zero: the emitter stamps the time of Track; Client.Ingest leaves it to the server. Sent at millisecond precision.
}

// GateResult is the verdict of one gate on one output.
type GateResult struct {
	Name      string  `json:"name"`             // required, at most 200 characters, valid UTF-8
	Passed    bool    `json:"passed"`           // a skipped gate counts as passed
	LatencyMS float64 `json:"latency_ms"`       // >= 0
	Reason    string  `json:"reason,omitempty"` // at most 500 characters, valid UTF-8; "pecta:timeout" is reserved
	Skipped   bool    `json:"skipped,omitempty"`
}

// Validate checks e against the documented limits (strings of valid UTF-8)
// and the Passed rule. It allocates only to report a *ValidationError
// naming the field.
func (e *Event) Validate() error {
	return e.validate()
}

// validate is Validate's full check, naming the first problem.
func (e *Event) validate() error {
	if e == nil {
		return &ValidationError{Field: "event", Reason: "is nil"}
	}
	if e.AgentID == "" {
		return &ValidationError{Field: "agent_id", Reason: "is required"}
	}
	if r := checkText(e.AgentID, MaxAgentIDLen); r != "" {
		return &ValidationError{Field: "agent_id", Reason: r}
	}
	if r := checkText(e.Tool, MaxToolLen); r != "" {
		return &ValidationError{Field: "tool", Reason: r}
	}
	if !wire.ValidLatency(e.TotalLatencyMS) {
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
		if r := checkText(g.Name, MaxGateNameLen); r != "" {
			return &ValidationError{Field: gateField(i, "name"), Reason: r}
		}
		if r := checkText(g.Reason, MaxReasonLen); r != "" {
			return &ValidationError{Field: gateField(i, "reason"), Reason: r}
		}
		if !wire.ValidLatency(g.LatencyMS) {
			return &ValidationError{Field: gateField(i, "latency_ms"), Reason: "must be a finite number >= 0"}
		}
		if e.Passed && !g.ok() {
			return &ValidationError{Field: "passed", Reason: "is true but " + gateField(i, "passed") +
				" is false: an event passes only when every gate passed or was skipped (leave Passed false to derive it)"}
		}
	}
	return nil
}

// outcome is the passed value sent for e: with gates, whether every gate
// passed or was skipped; without, e.Passed.
func (e *Event) outcome() bool {
	if len(e.Gates) == 0 {
		return e.Passed
	}
	for i := range e.Gates {
		if !e.Gates[i].ok() {
			return false
		}
	}
	return true
}

// ok reports a gate that passed or was skipped.
func (g *GateResult) ok() bool { return g.Passed || g.Skipped }

// checkText returns why s is not a valid text field of at most n
// characters, or "" when it is. It allocates nothing for the SDK's limits
// (200 and 500).
func checkText(s string, n int) string {
	if tooLong(s, n) {
		switch n {
		case 200:
			return "exceeds 200 characters"
		case 500:
			return "exceeds 500 characters"
		}
		return "exceeds " + strconv.Itoa(n) + " characters"
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	return ""
}

func gateField(i int, name string) string { return "gates[" + strconv.Itoa(i) + "]." + name }

// tooLong reports whether s has more than n characters, without allocating.
func tooLong(s string, n int) bool {
	if len(s) <= n {
		return false
	}
	if len(s) > utf8.UTFMax*n { // more than n characters of at most 4 bytes
		return true
	}
	return utf8.RuneCountInString(s) > n
}

// AppendJSON appends e's wire form to dst, as MarshalJSON writes it, but
// without validating (call Validate first) and without allocating when dst
// has room.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"agent_id":`...)
	dst = wire.AppendString(dst, e.AgentID)
	if e.Tool != "" {
		dst = append(dst, `,"tool":`...)
		dst = wire.AppendString(dst, e.Tool)
	}
	dst = append(dst, `,"passed":`...)
	dst = wire.AppendBool(dst, e.outcome())
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
		dst = e.Gates[i].appendJSON(dst)
	}
	return append(dst, "]}"...)
}

// MarshalJSON validates e and encodes it in its wire form.
func (e Event) MarshalJSON() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e.AppendJSON(make([]byte, 0, 128+64*len(e.Gates))), nil
}

// UnmarshalJSON decodes an event in its wire form and validates it; an
// invalid one is refused with Validate's error and e is left unchanged.
// Latencies may be sent as strings; Passed is taken as sent.
func (e *Event) UnmarshalJSON(b []byte) error {
	// strings are strict here, unlike in the API's answers (decodeJSON):
	// only latencies, numbers, may come as strings
	var aux struct {
		AgentID        string          `json:"agent_id"`
		Tool           string          `json:"tool"`
		Passed         bool            `json:"passed"`
		TotalLatencyMS json.RawMessage `json:"total_latency_ms"`
		Timestamp      *time.Time      `json:"timestamp"`
		Gates          []struct {
			GateResult
			LatencyMS json.RawMessage `json:"latency_ms"` // shadows GateResult's
		} `json:"gates"`
	}
	if string(bytes.TrimSpace(b)) == "null" {
		return nil // as encoding/json does for null: leave e as it is
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	ev := Event{AgentID: aux.AgentID, Tool: aux.Tool, Passed: aux.Passed}
	if err := decodeFloat(aux.TotalLatencyMS, &ev.TotalLatencyMS); err != nil {
		return fmt.Errorf("total_latency_ms: %w", err)
	}
	if aux.Timestamp != nil {
		ev.Timestamp = aux.Timestamp.UTC()
	}
	for i, g := range aux.Gates {
		if err := decodeFloat(g.LatencyMS, &g.GateResult.LatencyMS); err != nil {
			return fmt.Errorf("gates[%d].latency_ms: %w", i, err)
		}
		ev.Gates = append(ev.Gates, g.GateResult)
	}
	if err := ev.Validate(); err != nil {
		return err
	}
	*e = ev
	return nil
}

// appendJSON appends g's wire form to dst.
func (g *GateResult) appendJSON(dst []byte) []byte {
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
