package bench

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// BenchmarkTrackReader measures Track's latency (as BenchmarkTrackLatency
// does) while another goroutine reads the emitter's counters every 100
// ms, as a metrics exporter scraped at 10 Hz would. Readers:
//
//   - none: no reader, the noise floor of the same loop;
//   - metrics: Emitter.Metrics, what telemetry/otelmetrics and
//     telemetry/promcollector call (no lock Track takes, no allocation);
//   - stats: Emitter.Stats, which takes every shard lock and allocates,
//     for contrast.
//
// Loads:
//
//   - sending: bursts of 100 events every 5 ms against a fast server, as
//     BenchmarkTrackLatency/sending: every event is kept and sent;
//   - full: Track as fast as it can, no pause: the queue fills and most
//     calls are refused (ErrQueueFull), the shards' counters change on
//     every call.
//
// Figures: p50-ns, p99-ns, p999-ns, max-ns of every call, refused/event,
// reads (reader calls during the loop) and read-ns (their mean duration).
// Run the variants in interleaved rounds to compare them on a shared
// machine (bench/results/raw/metrics-reader-*.txt).
func BenchmarkTrackReader(b *testing.B) {
	for _, load := range []string{"sending", "full"} {
		for _, reader := range []string{"none", "metrics", "stats"} {
			b.Run(load+"/"+reader, func(b *testing.B) {
				c := startChild(b)
				em := newEmitter(b, c, true, telemetry.Config{})
				ev := benchEvent()
				lat := make([]int64, 0, min(b.N, 1<<22))
				var maxLat int64
				var nRefused int
				b.ReportAllocs()
				b.ResetTimer()
				stop := startReader(em, reader)
				for i := range b.N {
					if load == "sending" && i%100 == 99 {
						time.Sleep(5 * time.Millisecond)
					}
					t0 := time.Now()
					err := em.Track(&ev)
					d := int64(time.Since(t0))
					if err != nil {
						if !errors.Is(err, telemetry.ErrQueueFull) {
							b.Fatal(err)
						}
						nRefused++
					}
					maxLat = max(maxLat, d)
					if len(lat) < cap(lat) {
						lat = append(lat, d)
					} else {
						lat[i%len(lat)] = d
					}
				}
				b.StopTimer()
				reads, readTime := stop()
				_, _ = closeEmitter(em, 2*time.Second)
				slices.Sort(lat)
				b.ReportMetric(float64(percentile(lat, 0.50)), "p50-ns")
				b.ReportMetric(float64(percentile(lat, 0.99)), "p99-ns")
				b.ReportMetric(float64(percentile(lat, 0.999)), "p999-ns")
				b.ReportMetric(float64(maxLat), "max-ns")
				b.ReportMetric(float64(nRefused)/float64(b.N), "refused/event")
				b.ReportMetric(float64(reads), "reads")
				if reads > 0 {
					b.ReportMetric(float64(readTime)/float64(reads), "read-ns")
				}
			})
		}
	}
}

// readerSink keeps the reads from being optimized away.
var readerSink uint64

// startReader starts a goroutine that reads em's counters every 100 ms
// with the given reader ("none" starts nothing); stop ends it and returns
// how many reads it made and their total duration.
func startReader(em *telemetry.Emitter, reader string) (stop func() (int, time.Duration)) {
	if reader == "none" {
		return func() (int, time.Duration) { return 0, 0 }
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var reads int
	var total time.Duration
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			t0 := time.Now()
			if reader == "metrics" {
				m := em.Metrics()
				readerSink += m.Tracked
			} else {
				st := em.Stats()
				readerSink += st.Tracked
			}
			total += time.Since(t0)
			reads++
		}
	})
	return func() (int, time.Duration) {
		close(done)
		wg.Wait()
		return reads, total
	}
}

// BenchmarkReadCounters is the cost of one read of an emitter's counters,
// in the caller: Emitter.Metrics (what the metrics adapters call) and
// Emitter.Stats, on an emitter that has sent 10,000 events.
func BenchmarkReadCounters(b *testing.B) {
	for _, reader := range []string{"metrics", "stats"} {
		b.Run(reader, func(b *testing.B) {
			c := startChild(b)
			em := newEmitter(b, c, true, telemetry.Config{SampleRate: 1})
			ev := benchEvent()
			for range 10_000 {
				_ = em.Track(&ev)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if reader == "metrics" {
					readerSink += em.Metrics().Tracked
				} else {
					readerSink += em.Stats().Tracked
				}
			}
			b.StopTimer()
			_, _ = closeEmitter(em, 2*time.Second)
		})
	}
}
