package peers

// The one logical event every emitter is given: an agent's tool call with
// three gate verdicts. Each SDK receives it in its own idiom (posthog
// properties, segment Track properties, OTel span attributes, pecta.Event).
const (
	evAgentID        = "agent-42"
	evTool           = "bid"
	evPassed         = true
	evTotalLatencyMS = 3.2
	evName           = "agent_output" // event / span name for the SDKs that need one
)

// gate is one of the event's three gate verdicts.
type gate struct {
	name      string
	passed    bool
	latencyMS float64
}

var evGates = [3]gate{
	{"filesystem", true, 0.4},
	{"pii", true, 1.1},
	{"content", true, 1.7},
}

// enqueuer is one emitter under test: Enqueue hands it the event (the hot
// path being measured), Close flushes and stops it (outside the timer).
type enqueuer interface {
	Enqueue() error
	Close() error
}

// peer names an emitter and how to build one that sends to the sink at url.
type peer struct {
	name     string
	make     func(url string) (enqueuer, error)
	makeSink func(s *sink) (enqueuer, error) // peers that need more than the URL
}

// start builds p's emitter against s.
func (p peer) start(s *sink) (enqueuer, error) {
	if p.makeSink != nil {
		return p.makeSink(s)
	}
	return p.make(s.URL)
}

// peers lists the emitters in table order. pecta is registered first by
// pecta.go.
var peers = []peer{
	{name: "posthog", make: newPosthog},
	{name: "segment", make: newSegment},
	{name: "otel", make: newOTel},
}
