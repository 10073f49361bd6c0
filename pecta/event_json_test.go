package pecta

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

// normalized is what e becomes through its wire form: the derived Passed,
// the timestamp in UTC at millisecond precision, nil for empty gates.
func normalized(e Event) Event {
	e.Passed = e.outcome()
	if !e.Timestamp.IsZero() {
		e.Timestamp = e.Timestamp.UTC().Truncate(time.Millisecond)
	}
	if len(e.Gates) == 0 {
		e.Gates = nil
	}
	return e
}

func TestEventJSONRoundTrip(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	cases := map[string]Event{
		"minimal":     {AgentID: "a"},
		"no gates":    {AgentID: "a", Passed: true, TotalLatencyMS: 0.1},
		"empty gates": {AgentID: "a", Gates: []GateResult{}},
		"full": {AgentID: "bidder-7", Tool: "bid", Passed: true, TotalLatencyMS: 3.2,
			Timestamp: time.Date(2026, 5, 7, 14, 22, 44, 123e6, time.UTC),
			Gates: []GateResult{
				{Name: "budget", Passed: true, LatencyMS: 0.4},
				{Name: "brand", Skipped: true, Reason: ReasonTimeout, LatencyMS: 50},
				{Name: "floor", Passed: true, Skipped: true, LatencyMS: 1e-7},
			}},
		"failed gate": {AgentID: "a", Gates: []GateResult{{Name: "pii", Reason: "email address \"x\" <found>\n", LatencyMS: 1.5}}},
		"derived":     {AgentID: "a", Gates: []GateResult{{Name: "pii", Passed: true}}},
		"floats": {AgentID: "a", TotalLatencyMS: 999999999999.5, Gates: []GateResult{
			{Name: "a", Passed: true, LatencyMS: 0.1 + 0.2},
			{Name: "b", Passed: true, LatencyMS: math.SmallestNonzeroFloat64},
			{Name: "c", Passed: true, LatencyMS: 123456789.125},
			{Name: "d", Passed: true, LatencyMS: 1e12},
		}},
		"unicode":        {AgentID: "agent-日本-😀", Tool: "\u2028tool\u2029", Gates: []GateResult{{Name: "ünï", Passed: true, Reason: "\x00\x1f<>&"}}},
		"local time":     {AgentID: "a", Timestamp: time.Date(2026, 5, 7, 16, 22, 44, 999e6, paris)},
		"sub-ms time":    {AgentID: "a", Timestamp: time.Date(2026, 5, 7, 14, 22, 44, 123456789, time.UTC)},
		"monotonic time": {AgentID: "a", Timestamp: time.Now()},
		"year 1":         {AgentID: "a", Timestamp: time.Date(1, 1, 1, 0, 0, 0, 1e6, time.UTC)},
		"year 9999":      {AgentID: "a", Timestamp: time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		"before 1970":    {AgentID: "a", Timestamp: time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)},
	}
	for name, ev := range cases {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Errorf("%s: marshal: %v", name, err)
			continue
		}
		var got Event
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%s: unmarshal %s: %v", name, b, err)
			continue
		}
		if want := normalized(ev); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: round trip\n got %#v\nwant %#v", name, got, want)
		}
		if b2, err := json.Marshal(got); err != nil || !bytes.Equal(b, b2) {
			t.Errorf("%s: re-marshal %s\n             != %s (%v)", name, b2, b, err)
		}
		// Through a pointer and inside other values too.
		var list []*Event
		if err := json.Unmarshal([]byte("["+string(b)+",null]"), &list); err != nil || list[1] != nil || !reflect.DeepEqual(*list[0], normalized(ev)) {
			t.Errorf("%s: in a list: %v", name, err)
		}
	}
}

// Normalised events (what Unmarshal returns) round-trip exactly.
func TestEventJSONRoundTripIsExactWhenNormalized(t *testing.T) {
	ev := Event{AgentID: "a", Tool: "t", Passed: true, TotalLatencyMS: 0.30000000000000004,
		Timestamp: time.Date(2026, 5, 7, 14, 22, 44, 1e6, time.UTC),
		Gates:     []GateResult{{Name: "g", Skipped: true, Reason: "r", LatencyMS: 2}}}
	b, _ := json.Marshal(ev)
	var got Event
	if err := json.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, ev) {
		t.Fatalf("got %#v, %v", got, err)
	}
}

func TestEventUnmarshalRefusesInvalid(t *testing.T) {
	cases := map[string]string{
		`{}`:              "agent_id",
		`{"agent_id":""}`: "agent_id",
		`{"agent_id":"a","passed":true,"gates":[{"name":"g","passed":false}]}`: "passed",
		`{"agent_id":"a","gates":[{"passed":true}]}`:                           "gates[0].name",
		`{"agent_id":"a","total_latency_ms":-1}`:                               "total_latency_ms",
		`{"agent_id":"a","tool":"\ud800"}`:                                     "", // lone surrogate decodes to U+FFFD: valid
	}
	for doc, field := range cases {
		before := Event{AgentID: "kept"}
		ev := before
		err := json.Unmarshal([]byte(doc), &ev)
		if field == "" {
			if err != nil {
				t.Errorf("%s: %v", doc, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != field {
			t.Errorf("%s: err = %v, want a ValidationError on %s", doc, err, field)
		}
		if !reflect.DeepEqual(ev, before) {
			t.Errorf("%s: event changed to %#v", doc, ev)
		}
	}
	for _, doc := range []string{`[]`, `{"agent_id":1}`, `{"agent_id":"a","passed":"yes"}`, `{"agent_id":"a","timestamp":"May 7"}`, `{"agent_id":"a","gates":{}}`} {
		var ev Event
		if err := json.Unmarshal([]byte(doc), &ev); err == nil {
			t.Errorf("%s: accepted", doc)
		}
	}
	// Tolerant like the rest of the SDK: unknown fields, numbers as strings,
	// a timestamp with an offset.
	var ev Event
	doc := `{"agent_id":"a","extra":[1],"total_latency_ms":"2.5","timestamp":"2026-05-07T16:22:44+02:00","gates":[{"name":"g","passed":true,"latency_ms":"1"}]}`
	if err := json.Unmarshal([]byte(doc), &ev); err != nil {
		t.Fatal(err)
	}
	want := Event{AgentID: "a", TotalLatencyMS: 2.5, Timestamp: time.Date(2026, 5, 7, 14, 22, 44, 0, time.UTC),
		Gates: []GateResult{{Name: "g", Passed: true, LatencyMS: 1}}}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("got %#v", ev)
	}
}

func TestGateResultJSONRoundTrip(t *testing.T) {
	for _, g := range []GateResult{
		{},
		{Name: "pii", Passed: true, LatencyMS: 0.2},
		{Name: "brand", Skipped: true, Reason: ReasonTimeout, LatencyMS: 50},
		{Name: "x\"<>", Passed: true, Skipped: true, Reason: "multi\nline", LatencyMS: 1e-9},
	} {
		b, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		var got GateResult
		if err := json.Unmarshal(b, &got); err != nil || got != g {
			t.Errorf("%s: got %#v, %v", b, got, err)
		}
		// The same bytes as the wire encoder writes.
		if w := g.appendJSON(nil); !bytes.Equal(w, b) {
			t.Errorf("json.Marshal %s != AppendJSON %s", b, w)
		}
	}
}

// Any valid event survives Marshal then Unmarshal, normalised, and its
// bytes survive a second round.
func FuzzEventJSONRoundTrip(f *testing.F) {
	f.Add("bidder-7", "bid", "pii", "", true, true, false, 3.2, 0.4, int64(1778163764), int64(123456789))
	f.Add("a", "", "g", ReasonTimeout, false, false, true, 0.0, 50.0, int64(0), int64(0))
	f.Add("日本", "\u2028", "<>&", "\x00", true, false, false, 1e21, 1e-7, int64(-62135596800), int64(0))
	f.Fuzz(func(t *testing.T, agent, tool, gate, reason string, passed, gpassed, gskipped bool, lat, glat float64, sec, nsec int64) {
		ev := Event{AgentID: agent, Tool: tool, Passed: passed, TotalLatencyMS: lat,
			Gates: []GateResult{{Name: gate, Passed: gpassed, Skipped: gskipped, Reason: reason, LatencyMS: glat}}}
		if sec != 0 || nsec != 0 {
			ev.Timestamp = time.Unix(sec, nsec)
		}
		b, err := json.Marshal(ev)
		if ev.Validate() != nil {
			if err == nil {
				t.Fatalf("invalid event marshalled: %s", b)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var got Event
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if want := normalized(ev); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip of %s\n got %#v\nwant %#v", b, got, want)
		}
		if b2, err := json.Marshal(got); err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("re-marshal %s != %s (%v)", b2, b, err)
		}
	})
}

// Whatever JSON Unmarshal accepts is a valid event that marshals and comes
// back the same, normalised.
func FuzzEventUnmarshal(f *testing.F) {
	f.Add([]byte(`{"agent_id":"a","tool":"t","passed":true,"total_latency_ms":1.5,"timestamp":"2026-05-07T14:22:44.123456Z","gates":[{"name":"g","passed":true,"latency_ms":"0.2","skipped":true,"reason":"r"}]}`))
	f.Add([]byte(`{"agent_id":"a","passed":false,"gates":[{"name":"g","passed":true}]}`))
	f.Add([]byte(`{"agent_id":"\ud800x","timestamp":"2026-05-07T14:22:44+14:00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev Event
		if json.Unmarshal(data, &ev) != nil {
			return
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("accepted an invalid event: %v", err)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var got Event
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("unmarshal of own output %s: %v", b, err)
		}
		if want := normalized(ev); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip of %s\n got %#v\nwant %#v", b, got, want)
		}
	})
}
