package peers

import (
	"github.com/DataDog/datadog-go/v5/statsd"
)

// datadogPeer is datadog-go v5's DogStatsD client, the fast anchor of the
// comparison: it does not send events but aggregates metrics in memory
// (client-side aggregation, on by default in v5 for Count; extended
// aggregation enabled for Distribution) and flushes them as UDP datagrams
// to the sink's loopback socket every 2 s (its default). Each Enqueue
// records what a bidder would record per agent output:
//   - datadog-count: one Count (outputs, tagged by agent and tool);
//   - datadog-distribution: one Distribution (the total latency, same tags).
//
// Neither carries the gate verdicts, so both do strictly less than Track:
// the comparison is with the cheapest thing users already pay per event.
type datadogPeer struct {
	c    *statsd.Client
	dist bool
}

var datadogTags = []string{"agent:" + evAgentID, "tool:" + evTool}

func newDatadog(s *sink, dist bool) (enqueuer, error) {
	c, err := statsd.New(s.udpAddr,
		statsd.WithExtendedClientSideAggregation(),
		statsd.WithoutTelemetry(),
		statsd.WithoutOriginDetection(),
	)
	if err != nil {
		return nil, err
	}
	return datadogPeer{c, dist}, nil
}

func newDatadogCount(s *sink) (enqueuer, error) { return newDatadog(s, false) }
func newDatadogDist(s *sink) (enqueuer, error)  { return newDatadog(s, true) }

func (p datadogPeer) Enqueue() error {
	if p.dist {
		return p.c.Distribution("agent.output.latency_ms", evTotalLatencyMS, datadogTags, 1)
	}
	return p.c.Count("agent.output", 1, datadogTags, 1)
}

func (p datadogPeer) Close() error { return p.c.Close() }

func init() {
	peers = append(peers,
		peer{name: "datadog-count", makeSink: newDatadogCount},
		peer{name: "datadog-distribution", makeSink: newDatadogDist})
}
