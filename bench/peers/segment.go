package peers

import (
	analytics "gopkg.in/segmentio/analytics-go.v3"
)

// segmentPeer is analytics-go v3 (import path gopkg.in/segmentio/analytics-go.v3;
// github.com/segmentio/analytics-go/v3 does not resolve on the module proxy)
// with its documented defaults (BatchSize 250, Interval 5s).
type segmentPeer struct{ c analytics.Client }

func newSegment(url string) (enqueuer, error) {
	c, err := analytics.NewWithConfig("segment_benchmark", analytics.Config{
		Endpoint: url,
		Logger:   quietLogger{},
	})
	if err != nil {
		return nil, err
	}
	return segmentPeer{c}, nil
}

// Enqueue builds a Track message as a caller would for each call and
// enqueues it.
func (p segmentPeer) Enqueue() error {
	return p.c.Enqueue(analytics.Track{
		UserId: evAgentID,
		Event:  evName,
		Properties: analytics.NewProperties().
			Set("agent_id", evAgentID).
			Set("tool", evTool).
			Set("passed", evPassed).
			Set("total_latency_ms", evTotalLatencyMS).
			Set("gates", gateProps()),
	})
}

func (p segmentPeer) Close() error { return p.c.Close() }
