package peers

import (
	"github.com/posthog/posthog-go"
)

// quietLogger discards the peer SDKs' diagnostics, like the pecta emitter's
// default nil Logger. Both posthog-go and analytics-go take this shape.
type quietLogger struct{}

func (quietLogger) Logf(string, ...any)   {}
func (quietLogger) Errorf(string, ...any) {}

// gateProp is a gate verdict as a JSON property value of the map-based SDKs.
// A typed slice is the cheapest way to give them a nested list.
type gateProp struct {
	Name      string  `json:"name"`
	Passed    bool    `json:"passed"`
	LatencyMS float64 `json:"latency_ms"`
}

func gateProps() []gateProp {
	return []gateProp{
		{evGates[0].name, evGates[0].passed, evGates[0].latencyMS},
		{evGates[1].name, evGates[1].passed, evGates[1].latencyMS},
		{evGates[2].name, evGates[2].passed, evGates[2].latencyMS},
	}
}

// posthogPeer is posthog-go with its documented defaults (BatchSize 250,
// Interval 5s), no feature flags.
type posthogPeer struct{ c posthog.Client }

func newPosthog(url string) (enqueuer, error) {
	c, err := posthog.NewWithConfig("phc_benchmark", posthog.Config{
		Endpoint: url,
		Logger:   quietLogger{},
	})
	if err != nil {
		return nil, err
	}
	return posthogPeer{c}, nil
}

// Enqueue builds the event as a caller would for each call (posthog takes a
// map of properties) and enqueues it.
func (p posthogPeer) Enqueue() error {
	return p.c.Enqueue(posthog.Capture{
		DistinctId: evAgentID,
		Event:      evName,
		Properties: posthog.NewProperties().
			Set("agent_id", evAgentID).
			Set("tool", evTool).
			Set("passed", evPassed).
			Set("total_latency_ms", evTotalLatencyMS).
			Set("gates", gateProps()),
	})
}

func (p posthogPeer) Close() error { return p.c.Close() }
