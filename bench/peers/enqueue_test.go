package peers

import (
	"sync/atomic"
	"testing"
)

// BenchmarkEnqueue measures the caller's cost of handing one event to each
// emitter from one goroutine. The emitters' background work (encoding,
// batching, HTTP to the loopback sink) runs concurrently on the other
// cores, as in production.
func BenchmarkEnqueue(b *testing.B) {
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			s := newSink()
			defer s.Close()
			e, err := p.start(s)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var failed int
			for b.Loop() {
				if e.Enqueue() != nil {
					failed++
				}
			}
			closeAndReport(b, e, s, failed)
		})
	}
}

// BenchmarkEnqueueParallel is BenchmarkEnqueue from GOMAXPROCS goroutines
// at once: contention on the emitters' queues.
func BenchmarkEnqueueParallel(b *testing.B) {
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			s := newSink()
			defer s.Close()
			e, err := p.start(s)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var failed atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if e.Enqueue() != nil {
						failed.Add(1)
					}
				}
			})
			b.StopTimer()
			closeAndReport(b, e, s, int(failed.Load()))
		})
	}
}

// closeAndReport closes the emitter (untimed) and fails the benchmark if
// enqueueing failed.
func closeAndReport(b *testing.B, e enqueuer, s *sink, failed int) {
	b.Helper()
	if err := e.Close(); err != nil {
		b.Errorf("close: %v", err)
	}
	if failed > 0 {
		b.Errorf("%d of %d enqueues failed", failed, b.N)
	}
	if r, ok := e.(interface{ dropRatio() float64 }); ok {
		b.ReportMetric(r.dropRatio(), "dropped/op")
	}
}
