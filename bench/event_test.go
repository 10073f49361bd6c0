package bench

import (
	"context"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// The event of every benchmark here and in bench/peers: agent-42 calling
// "bid", three passing gates.
var benchGates = [...]pecta.GateResult{
	{Name: "filesystem", Passed: true, LatencyMS: 0.4},
	{Name: "pii", Passed: true, LatencyMS: 1.1},
	{Name: "content", Passed: true, LatencyMS: 1.7},
}

func benchEvent() pecta.Event {
	return pecta.Event{
		AgentID:        "agent-42",
		Tool:           "bid",
		Gates:          benchGates[:],
		Passed:         true,
		TotalLatencyMS: 3.2,
	}
}

// newEmitter returns an emitter sending to the server process c, unpaced,
// with cfg's other fields as given.
func newEmitter(tb testing.TB, c *child, signed bool, cfg telemetry.Config) *telemetry.Emitter {
	tb.Helper()
	cfg.PublishableKey = pecta.NewAPIKey(c.PublishableKey)
	if signed {
		cfg.SecretKey = pecta.NewAPIKey(c.SecretKey)
	}
	cfg.BaseURL = c.URL
	cfg.RequestsPerMinute = -1
	em, err := telemetry.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return em
}

// closeEmitter closes em within d and returns its final stats.
func closeEmitter(em *telemetry.Emitter, d time.Duration) (telemetry.Stats, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := em.Close(ctx)
	return em.Stats(), err
}
