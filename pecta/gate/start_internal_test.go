package gate

import (
	"testing"
	"time"
)

// TestStartTime: the engine's start is now, whether or not the request's
// arrival time has a monotonic reading.
func TestStartTime(t *testing.T) {
	arrived := time.Now().Add(-3 * time.Second)
	for _, at := range []time.Time{{}, arrived, arrived.Round(0), time.Now().Add(time.Hour)} {
		before := time.Now()
		got := startTime(at)
		after := time.Now()
		if got.Before(before.Add(-time.Millisecond)) || got.After(after.Add(time.Millisecond)) {
			t.Fatalf("startTime(%v) = %v, want within [%v, %v]", at, got, before, after)
		}
		if got == got.Round(0) {
			t.Fatalf("startTime(%v) has no monotonic reading", at)
		}
	}
}
