package pecta

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func validEvent() Event {
	return Event{AgentID: "a", Tool: "t", Passed: true, TotalLatencyMS: 1.5,
		Gates: []GateResult{{Name: "pii", Passed: true, LatencyMS: 0.2}}}
}

func TestEventValidateLimits(t *testing.T) {
	cases := []struct {
		field string
		mut   func(*Event)
	}{
		{"agent_id", func(e *Event) { e.AgentID = "" }},
		{"agent_id", func(e *Event) { e.AgentID = strings.Repeat("a", 201) }},
		{"tool", func(e *Event) { e.Tool = strings.Repeat("t", 201) }},
		{"total_latency_ms", func(e *Event) { e.TotalLatencyMS = -1 }},
		{"total_latency_ms", func(e *Event) { e.TotalLatencyMS = math.NaN() }},
		{"total_latency_ms", func(e *Event) { e.TotalLatencyMS = math.Inf(1) }},
		{"timestamp", func(e *Event) { e.Timestamp = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"timestamp", func(e *Event) { e.Timestamp = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"gates", func(e *Event) { e.Gates = make([]GateResult, 51) }},
		{"gates[0].name", func(e *Event) { e.Gates[0].Name = "" }},
		{"gates[0].name", func(e *Event) { e.Gates[0].Name = strings.Repeat("n", 201) }},
		{"gates[0].reason", func(e *Event) { e.Gates[0].Reason = strings.Repeat("r", 501) }},
		{"gates[0].latency_ms", func(e *Event) { e.Gates[0].LatencyMS = math.NaN() }},
	}
	for _, c := range cases {
		ev := validEvent()
		c.mut(&ev)
		err := ev.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field || !errors.Is(err, ErrValidation) {
			t.Errorf("%s: err = %v", c.field, err)
		}
	}
	// limits count characters, not bytes
	ev := validEvent()
	ev.AgentID = strings.Repeat("é", 200)
	ev.Timestamp = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	if err := ev.Validate(); err != nil {
		t.Errorf("200 two-byte characters and year 9999: %v", err)
	}
	var nilEv *Event
	if nilEv.Validate() == nil {
		t.Error("nil event validated")
	}
}

func TestEventAppendJSONMatchesEncodingJSON(t *testing.T) {
	ev := validEvent()
	ev.Timestamp = time.Date(2026, 5, 7, 14, 22, 44, 0, time.UTC)
	ev.Gates = append(ev.Gates, GateResult{Name: `q"<x>`, Reason: "r\n", Skipped: true, Passed: true, LatencyMS: 1e-7})
	got := ev.AppendJSON(nil)
	var decoded map[string]any
	if err := json.Unmarshal(got, &decoded); err != nil {
		t.Fatalf("invalid JSON %s: %v", got, err)
	}
	want := `{"agent_id":"a","tool":"t","passed":true,"total_latency_ms":1.5,"timestamp":"2026-05-07T14:22:44.000Z","gates":[{"name":"pii","passed":true,"latency_ms":0.2},{"name":"q\"\u003cx\u003e","passed":true,"latency_ms":1e-7,"reason":"r\n","skipped":true}]}`
	if string(got) != want {
		t.Errorf("AppendJSON =\n%s\nwant\n%s", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { got = ev.AppendJSON(got[:0]) }); n != 0 {
		t.Errorf("AppendJSON allocates %v", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = ev.Validate() }); n != 0 {
		t.Errorf("Validate allocates %v", n)
	}
	b, err := json.Marshal(ev)
	if err != nil || string(b) != want {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
}
