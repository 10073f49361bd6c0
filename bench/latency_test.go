package bench

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// BenchmarkTrackLatency records the latency of every Track call (time.Now
// around it, so ~20-40 ns of clock reads are included) and reports its
// distribution. Figures are split by what Track did, since a refused event
// takes a different, shorter path:
//
//   - p50-ns, p99-ns, p999-ns, max-ns: every call;
//   - kept-p999-ns: calls that queued their event; refused-p999-ns: calls
//     refused with ErrQueueFull (reported when there are any);
//   - refused/event: the share of refused calls.
//
// Modes:
//
//   - sending: the server is up and batches are encoded, signed and sent
//     while the caller tracks; the caller tracks bursts of 100 events every
//     5 ms (20k events/s at most, below what pectatest absorbs here) so that
//     the pipeline keeps up and every event is kept.
//   - slow: the server answers every request after 100 ms, so the queue
//     fills to its bound (before the timer starts) and stays there; the
//     caller tracks as in sending, every event kept by the sampler
//     (SampleRate 1): most calls are refused, and the ones after each
//     delivery are kept.
//   - stalled: every request hangs in the server (latency 1h); the queue
//     fills and Track starts refusing (ErrQueueFull), as fast as it can:
//     most calls are refusals.
//   - down: the server refuses connections; the emitter retries with
//     backoff; Track as fast as it can: most calls are refusals.
//
// ns/op is the caller's wall time per event, pauses included.
func BenchmarkTrackLatency(b *testing.B) {
	for _, mode := range []string{"sending", "slow", "stalled", "down"} {
		b.Run(mode, func(b *testing.B) {
			c := startChild(b)
			var cfg telemetry.Config
			switch mode {
			case "slow":
				c.latency(b, 100*time.Millisecond)
				cfg.SampleRate = 1
			case "stalled":
				c.latency(b, time.Hour)
			case "down":
				c.down(b)
			}
			em := newEmitter(b, c, true, cfg)
			ev := benchEvent()
			if mode == "slow" { // fill the queue to its bound
				for i := 0; em.Track(&ev) == nil; i++ {
					if i > 1<<24 {
						b.Fatal("the queue never filled")
					}
				}
			}
			n := min(b.N, 1<<22)
			kept := make([]int64, 0, n)
			refused := make([]int64, 0, n)
			var all []int64
			var maxLat int64
			var nRefused int
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if (mode == "sending" || mode == "slow") && i%100 == 99 {
					time.Sleep(5 * time.Millisecond)
				}
				t0 := time.Now()
				err := em.Track(&ev)
				d := int64(time.Since(t0))
				lat := &kept
				if err != nil {
					if !errors.Is(err, telemetry.ErrQueueFull) {
						b.Fatal(err)
					}
					nRefused++
					lat = &refused
				}
				maxLat = max(maxLat, d)
				if len(*lat) < cap(*lat) {
					*lat = append(*lat, d)
				} else {
					(*lat)[i%len(*lat)] = d
				}
			}
			b.StopTimer()
			if mode != "sending" {
				c.latency(b, 0) // let Close end promptly
			}
			_, _ = closeEmitter(em, 2*time.Second)
			all = append(append(all, kept...), refused...)
			slices.Sort(all)
			slices.Sort(kept)
			slices.Sort(refused)
			b.ReportMetric(float64(percentile(all, 0.50)), "p50-ns")
			b.ReportMetric(float64(percentile(all, 0.99)), "p99-ns")
			b.ReportMetric(float64(percentile(all, 0.999)), "p999-ns")
			b.ReportMetric(float64(maxLat), "max-ns")
			if len(kept) > 0 {
				b.ReportMetric(float64(percentile(kept, 0.999)), "kept-p999-ns")
			}
			if len(refused) > 0 {
				b.ReportMetric(float64(percentile(refused, 0.999)), "refused-p999-ns")
			}
			b.ReportMetric(float64(nRefused)/float64(b.N), "refused/event")
		})
	}
}

// percentile of sorted values (nearest rank).
func percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
