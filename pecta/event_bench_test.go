package pecta

import "testing"

// benchEvent is the event of bench/: agent-42 calling "bid", three passing
// gates.
func benchEvent() Event {
	return Event{AgentID: "agent-42", Tool: "bid", Passed: true, TotalLatencyMS: 3.2,
		Gates: []GateResult{
			{Name: "filesystem", Passed: true, LatencyMS: 0.4},
			{Name: "pii", Passed: true, LatencyMS: 1.1},
			{Name: "content", Passed: true, LatencyMS: 1.7},
		}}
}

// BenchmarkEventValidate is the validation telemetry.Track runs on every
// event.
func BenchmarkEventValidate(b *testing.B) {
	ev := benchEvent()
	b.ReportAllocs()
	for b.Loop() {
		if err := ev.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventAppendJSON is the encoding the telemetry sender runs per
// event.
func BenchmarkEventAppendJSON(b *testing.B) {
	ev := benchEvent()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = ev.AppendJSON(buf[:0])
	}
}
