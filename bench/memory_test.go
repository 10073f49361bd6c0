package bench

import (
	"errors"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// Bounds of BenchmarkOutageMemory.
const (
	outageQueueBytes = 4 << 20 // the emitter's MaxQueueBytes
	// outageSlack is the "small constant" allowed on top of the queue bound
	// for the live heap: batch buffers' spare capacity, the HTTP client, the
	// emitter's bookkeeping.
	outageSlack = 4 << 20
	// RSS also holds garbage not yet collected: with GOGC=100 the heap may
	// reach twice the live set before a collection, so RSS is allowed twice
	// the live bound, plus the runtime's own overhead.
	outageRSSSlack  = 16 << 20
	outageMinEvents = 200_000 // ~12x the queue bound in encoded bytes
)

// BenchmarkOutageMemory tracks events as fast as it can into an emitter
// whose server is down (connections refused, the emitter retrying), for at
// least outageMinEvents events, sampling HeapInuse and VmRSS every 16384
// events. It reports the growth over the baseline taken before the emitter
// was created: heap-live-MiB (after a forced GC at the end, outage still
// on), heap-peak-MiB and rss-peak-MiB, and fails when the live heap grew by
// more than MaxQueueBytes + 4 MiB or RSS by more than 2x that + 16 MiB.
func BenchmarkOutageMemory(b *testing.B) {
	c := startChild(b)
	c.down(b)
	ev := benchEvent()
	debug.FreeOSMemory() // GC and return earlier runs' memory: a low baseline
	heap0, rss0 := heapInuse(), rssBytes()
	em := newEmitter(b, c, true, telemetry.Config{MaxQueueBytes: outageQueueBytes})
	n := max(b.N, outageMinEvents)
	var heapPeak, rssPeak int64
	var refused int
	b.ReportAllocs()
	b.ResetTimer()
	for i := range n {
		if err := em.Track(&ev); err != nil {
			if !errors.Is(err, telemetry.ErrQueueFull) {
				b.Fatal(err)
			}
			refused++
		}
		if i%16384 == 16383 {
			b.StopTimer()
			heapPeak, rssPeak = max(heapPeak, heapInuse()), max(rssPeak, rssBytes())
			b.StartTimer()
		}
	}
	b.StopTimer()
	runtime.GC()
	heapLive, rss := heapInuse(), rssBytes()
	heapPeak, rssPeak = max(heapPeak, heapLive), max(rssPeak, rss)
	st := em.Stats()
	_, _ = closeEmitter(em, time.Second)

	const mib = 1 << 20
	liveGrowth, peakGrowth, rssGrowth := heapLive-heap0, heapPeak-heap0, rssPeak-rss0
	b.ReportMetric(float64(outageQueueBytes)/mib, "bound-MiB")
	b.ReportMetric(float64(liveGrowth)/mib, "heap-live-MiB")
	b.ReportMetric(float64(peakGrowth)/mib, "heap-peak-MiB")
	b.ReportMetric(float64(rssGrowth)/mib, "rss-peak-MiB")
	b.ReportMetric(float64(st.QueuedBytes)/mib, "queued-MiB")
	b.ReportMetric(float64(refused)/float64(n), "refused/event")
	if liveGrowth > outageQueueBytes+outageSlack {
		b.Fatalf("live heap grew %.1f MiB during the outage, bound %d MiB + %d MiB (%v)",
			float64(liveGrowth)/mib, outageQueueBytes/mib, outageSlack/mib, st)
	}
	if rss0 > 0 && rssGrowth > 2*(outageQueueBytes+outageSlack)+outageRSSSlack {
		b.Fatalf("RSS grew %.1f MiB during the outage, bound 2x(%d+%d) + %d MiB (%v)",
			float64(rssGrowth)/mib, outageQueueBytes/mib, outageSlack/mib, outageRSSSlack/mib, st)
	}
}
