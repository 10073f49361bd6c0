package peers

import (
	"context"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// Keys in the documented format; the sink does not check them.
const (
	benchPK = "pk_live_BENCHbenchBENCHbenchBENCHbench01"
	benchSK = "sk_live_BENCHbenchBENCHbenchBENCHbench01"
)

func init() {
	peers = append([]peer{{name: "pecta", make: newPecta}, {name: "pecta-kept", make: newPectaKept}}, peers...)
}

// keptQueueBytes is a queue bound no benchmark run reaches (a record is
// ~90 bytes; a 1 s run tracks ~10M events), so /pecta-kept measures Track
// on the path where every event is kept, while batches are encoded, signed
// and sent: the conservative figure to compare with peers that block or
// drop when full.
const keptQueueBytes = 4 << 30

func newPectaKept(url string) (enqueuer, error) { return newPectaWith(url, keptQueueBytes) }

// pectaPeer is the pecta emitter with its defaults (BatchSize 100,
// FlushInterval 5s, 8 MiB queue, HMAC signing on) except pacing, which is
// off: the default 500 requests/min is the server's rate limit, not a
// client cost.
type pectaPeer struct{ em *telemetry.Emitter }

func newPecta(url string) (enqueuer, error) { return newPectaWith(url, 0) }

func newPectaWith(url string, maxQueueBytes int) (enqueuer, error) {
	em, err := telemetry.New(telemetry.Config{
		PublishableKey:    pecta.NewAPIKey(benchPK),
		SecretKey:         pecta.NewAPIKey(benchSK),
		BaseURL:           url,
		RequestsPerMinute: -1,
		MaxQueueBytes:     maxQueueBytes,
	})
	if err != nil {
		return nil, err
	}
	return pectaPeer{em}, nil
}

// Enqueue builds the event as a caller would for each call and tracks it.
func (p pectaPeer) Enqueue() error {
	ev := pecta.Event{
		AgentID: evAgentID,
		Tool:    evTool,
		Gates: []pecta.GateResult{
			{Name: evGates[0].name, Passed: evGates[0].passed, LatencyMS: evGates[0].latencyMS},
			{Name: evGates[1].name, Passed: evGates[1].passed, LatencyMS: evGates[1].latencyMS},
			{Name: evGates[2].name, Passed: evGates[2].passed, LatencyMS: evGates[2].latencyMS},
		},
		Passed:         evPassed,
		TotalLatencyMS: evTotalLatencyMS,
	}
	err := p.em.Track(&ev)
	if err == telemetry.ErrQueueFull {
		return nil // counted in Stats; reported by the benchmark
	}
	return err
}

// dropRatio is the fraction of tracked events the emitter dropped (a full
// queue when the sender falls behind); the benchmark reports it.
func (p pectaPeer) dropRatio() float64 {
	st := p.em.Stats()
	if st.Tracked == 0 {
		return 0
	}
	return float64(st.Dropped) / float64(st.Tracked)
}

func (p pectaPeer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // /pecta-kept may hold millions of events
	defer cancel()
	return p.em.Close(ctx)
}
