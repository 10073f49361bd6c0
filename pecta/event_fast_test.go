package pecta

import (
	"math"
	"strings"
	"testing"
	"time"
)

// The fast path of Validate never accepts an event the full check refuses,
// and accepts the common one (ASCII within the limits).
func FuzzEventValidateFastPath(f *testing.F) {
	f.Add("agent-42", "bid", "pii", "", true, true, false, 3.2, 1.1, int64(0), uint8(3))
	f.Add("agent-42", "bid", "pii", "leak", true, false, false, 3.2, 1.1, int64(0), uint8(1))
	f.Add("", "bid", "pii", "", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add("agënt", "bid", "pii", "", false, true, false, 0.0, 0.0, int64(0), uint8(0))
	f.Add("a\xff", "bid", "pii", "", false, true, false, 0.0, 0.0, int64(0), uint8(0))
	f.Add("a", "b", "", "", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, -1.0, 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, 0.0, math.NaN(), int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, math.Inf(1), 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, 0.0, 0.0, int64(253402300800), uint8(1))
	f.Add(strings.Repeat("a", 201), "b", "g", "", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", strings.Repeat("é", 300), false, true, false, 0.0, 0.0, int64(0), uint8(60))
	f.Fuzz(func(t *testing.T, agent, tool, gate, reason string, passed, gpassed, gskipped bool, lat, glat float64, sec int64, ngates uint8) {
		ev := Event{AgentID: agent, Tool: tool, Passed: passed, TotalLatencyMS: lat}
		if sec != 0 {
			ev.Timestamp = time.Unix(sec, 0)
		}
		for i := range int(ngates) % 60 {
			g := GateResult{Name: gate, Reason: reason, Passed: gpassed, Skipped: gskipped, LatencyMS: glat}
			if i%2 == 1 { // vary the gates: the outcome depends on every one
				g.Passed = !gpassed
			}
			ev.Gates = append(ev.Gates, g)
		}
		full := ev.validate()
		if ev.plainValid() && full != nil {
			t.Fatalf("fast path accepted an event the full check refuses (%v): %+v", full, ev)
		}
		if got := ev.Validate(); (got == nil) != (full == nil) {
			t.Fatalf("Validate = %v, full check = %v", got, full)
		}
	})
}

func TestEventValidateFastPathTakesCommonEvents(t *testing.T) {
	ev := benchEvent()
	if !ev.plainValid() {
		t.Fatal("the common event (ASCII, within the limits) missed the fast path")
	}
	ev.Gates[1].Reason = "naïve"
	if ev.plainValid() || ev.Validate() != nil {
		t.Fatal("a valid non-ASCII event must take the full check and pass it")
	}
	ev.Gates[1].Reason = strings.Repeat("x", MaxReasonLen)
	if !ev.plainValid() {
		t.Fatal("an ASCII string at its limit is valid")
	}
	ev.Gates[1].Reason += "x"
	if ev.plainValid() || ev.Validate() == nil {
		t.Fatal("an ASCII string one over its limit is invalid")
	}
}
