package pecta

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The Passed rule: with gates the outcome is derived; Passed true next to a
// failed gate is refused; without gates Passed is sent as set.
func TestEventPassedRule(t *testing.T) {
	pass := GateResult{Name: "p", Passed: true}
	fail := GateResult{Name: "f"}
	skip := GateResult{Name: "s", Skipped: true}
	cases := []struct {
		name    string
		ev      Event
		refused bool
		sent    bool // the passed value on the wire
	}{
		{"gates passed, Passed unset", Event{AgentID: "a", Gates: []GateResult{pass}}, false, true},
		{"gates passed and skipped, Passed unset", Event{AgentID: "a", Gates: []GateResult{pass, skip}}, false, true},
		{"gates passed, Passed true", Event{AgentID: "a", Passed: true, Gates: []GateResult{pass, skip}}, false, true},
		{"a gate failed, Passed unset", Event{AgentID: "a", Gates: []GateResult{pass, fail}}, false, false},
		{"a gate failed, Passed true", Event{AgentID: "a", Passed: true, Gates: []GateResult{pass, fail}}, true, false},
		{"no gates, Passed true", Event{AgentID: "a", Passed: true}, false, true},
		{"no gates, Passed false", Event{AgentID: "a"}, false, false},
	}
	for _, c := range cases {
		err := c.ev.Validate()
		if c.refused {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "passed" || !strings.Contains(ve.Reason, "gates[1].passed") {
				t.Errorf("%s: err = %v, want a ValidationError on passed naming gates[1]", c.name, err)
			}
			if _, err := json.Marshal(c.ev); err == nil {
				t.Errorf("%s: marshalled", c.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var wire struct{ Passed bool }
		if err := json.Unmarshal(c.ev.AppendJSON(nil), &wire); err != nil || wire.Passed != c.sent {
			t.Errorf("%s: sent passed=%v (%v), want %v", c.name, wire.Passed, err, c.sent)
		}
	}
}

// Invalid UTF-8 would reach the server as U+FFFD, so distinct ids would
// collide: it is refused, naming the field.
func TestInvalidUTF8Refused(t *testing.T) {
	bad := "bidder-\xff"
	cases := []struct {
		field string
		mut   func(*Event)
	}{
		{"agent_id", func(e *Event) { e.AgentID = bad }},
		{"tool", func(e *Event) { e.Tool = bad }},
		{"gates[0].name", func(e *Event) { e.Gates[0].Name = bad }},
		{"gates[0].reason", func(e *Event) { e.Gates[0].Reason = "cut \xe2\x82" }},
		{"agent_id", func(e *Event) { e.AgentID = "\xed\xa0\x80" }}, // a UTF-16 surrogate
	}
	for _, c := range cases {
		ev := validEvent()
		c.mut(&ev)
		var ve *ValidationError
		if err := ev.Validate(); !errors.As(err, &ve) || ve.Field != c.field || ve.Reason != "is not valid UTF-8" {
			t.Errorf("%s: err = %v", c.field, err)
		}
	}
	ev := validEvent()
	ev.AgentID, ev.Gates[0].Reason = "agent-日本-😀", "ünïcode ✓"
	if err := ev.Validate(); err != nil {
		t.Errorf("valid UTF-8 refused: %v", err)
	}

	// The client's other calls refuse it before any request.
	c, err := NewClient(testPK, WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	calls := map[string]func() error{
		"ingest": func() error {
			e := validEvent()
			e.AgentID = bad
			_, err := c.Ingest(ctx, []Event{validEvent(), e})
			return want(err, "events[1].agent_id")
		},
		"evaluate agent": func() error {
			_, err := c.Evaluate(ctx, EvaluateRequest{AgentID: bad, Output: 1})
			return want(err, "agent_id")
		},
		"evaluate tool": func() error {
			_, err := c.Evaluate(ctx, EvaluateRequest{AgentID: "a", Tool: bad, Output: 1})
			return want(err, "tool")
		},
		"reputation": func() error { _, err := c.Reputation(ctx, bad); return want(err, "agent_id") },
		"register":   func() error { _, err := c.Agents.Register(ctx, bad); return want(err, "agent_id") },
		"events": func() error {
			_, err := c.Events.List(ctx, EventListParams{AgentID: bad})
			return want(err, "agent_id")
		},
	}
	for name, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// want checks that err is a *ValidationError on field.
func want(err error, field string) error {
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != field {
		return errors.New("got " + errString(err) + ", want a ValidationError on " + field)
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
