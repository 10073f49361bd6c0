package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// BenchmarkPipeline measures the whole telemetry path, from Track to
// accepted by a loopback pectatest server in another process, with pacing
// off. One op is one event delivered: the timer runs until Close has
// drained every batch. The queue bound is 256 KiB (about 2,700 events, a
// hundred milliseconds of delivery), so the pipeline runs in its steady
// state, recycling batches and bodies, rather than buffering the whole run.
// The producer honours backpressure: on ErrQueueFull it sleeps 1 ms and
// tracks the event again, so every event is delivered and none is counted
// twice (refused/event counts the retries).
//
// Metrics: events/s delivered (wall clock, Close included), and cpu-ns/event,
// this process's CPU time (getrusage, all goroutines: Track, encoding,
// signing, HTTP client) per delivered event. Compare cpu-ns/event with the
// sum of the BenchmarkFloor pieces.
//
// The trivial-sink cases send to a handler that only counts the events
// (same process as pectatest), to separate the emitter's throughput from
// pectatest's validation and storage.
func BenchmarkPipeline(b *testing.B) {
	for _, tc := range []struct {
		name            string
		signed, trivial bool
	}{
		{"unsigned", false, false},
		{"signed", true, false},
		{"unsigned-trivial-sink", false, true},
		{"signed-trivial-sink", true, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := startChild(b)
			if tc.trivial {
				c.URL = c.TrivialURL
			}
			em := newEmitter(b, c, tc.signed, telemetry.Config{MaxQueueBytes: 256 << 10})
			ev := benchEvent()
			b.ReportAllocs()
			cpu0, t0 := cpuTime(), time.Now()
			b.ResetTimer()
			for range b.N {
				for {
					err := em.Track(&ev)
					if err == nil {
						break
					}
					if !errors.Is(err, telemetry.ErrQueueFull) {
						b.Fatal(err)
					}
					time.Sleep(time.Millisecond)
				}
			}
			st, err := closeEmitter(em, time.Minute)
			b.StopTimer()
			wall, cpu := time.Since(t0), cpuTime()-cpu0
			if err != nil {
				b.Fatalf("close: %v (%v)", err, st)
			}
			refused := st.DroppedByReason[telemetry.ReasonQueueFull]
			if st.Sent != uint64(b.N) || st.Dropped != refused {
				b.Fatalf("delivered %d of %d events: %v", st.Sent, b.N, st)
			}
			b.ReportMetric(float64(b.N)/wall.Seconds(), "events/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
			b.ReportMetric(float64(refused)/float64(b.N), "refused/event")
		})
	}
}

// floorBatch is a batch of 100 benchmark events in the ingest wire form, the
// body the emitter builds, with timestamps as Track stamps them.
func floorBatch(dst []byte, ev *pecta.Event) []byte {
	dst = append(dst[:0], `{"events":[`...)
	for i := range pecta.MaxBatchEvents {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = ev.AppendJSON(dst)
	}
	return append(dst, "]}"...)
}

// BenchmarkFloor measures, each alone, the pieces every delivered event must
// pay for: JSON encoding of a 100-event batch, HMAC-SHA256 of that body,
// and one HTTP POST of it to a trivial loopback handler (in the server
// process, so only the client's CPU is counted). One op is one batch;
// cpu-ns/event is this process's CPU time per op / 100.
func BenchmarkFloor(b *testing.B) {
	ev := benchEvent()
	ev.Timestamp = time.Date(2026, 5, 7, 14, 22, 44, 123456789, time.UTC)
	body := floorBatch(nil, &ev)

	// encode100 encodes 100 events per op from a ring of coldEvents
	// distinct events (distinct agents and timestamps, 1 ms apart), larger
	// than the caches, so the floor pays the cache misses and the time
	// formatting the pipeline pays on its records: cold data.
	b.Run("encode100", func(b *testing.B) {
		ring := coldRing(&ev)
		buf := make([]byte, 0, 2*len(body))
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		i := 0
		for b.Loop() {
			buf = append(buf[:0], `{"events":[`...)
			for k := range pecta.MaxBatchEvents {
				if k > 0 {
					buf = append(buf, ',')
				}
				buf = ring[i].AppendJSON(buf)
				if i++; i == len(ring) {
					i = 0
				}
			}
			buf = append(buf, "]}"...)
		}
		reportPerEvent(b, cpuTime()-cpu0)
	})

	b.Run("hmac100", func(b *testing.B) {
		mac := hmac.New(sha256.New, []byte("sk_live_BENCHbenchBENCHbenchBENCHbench01"))
		var sum [sha256.Size]byte
		var hexSig [len("sha256=") + 2*sha256.Size]byte
		copy(hexSig[:], "sha256=")
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			mac.Reset()
			mac.Write(body)
			hex.Encode(hexSig[len("sha256="):], mac.Sum(sum[:0]))
		}
		reportPerEvent(b, cpuTime()-cpu0)
	})

	// post100-trivial posts to a handler that only counts the events (the
	// floor of the trivial-sink pipelines); post100-pectatest posts to
	// pectatest's /v1/ingest, which validates and stores them (the floor of
	// the pectatest pipelines: the client waits, and idles, as long).
	for _, target := range []string{"trivial", "pectatest"} {
		b.Run("post100-"+target, func(b *testing.B) {
			c := startChild(b)
			url := c.TrivialURL + "/v1/ingest"
			if target == "pectatest" {
				url = c.URL + "/v1/ingest"
			}
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			defer hc.CloseIdleConnections()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+c.PublishableKey)
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			reportPerEvent(b, cpuTime()-cpu0)
		})
	}
}

// coldEvents is the size of the floor's ring of distinct events: all its
// events and strings (~18 MB), more than the last-level cache of the machines we
// measure on.
const coldEvents = 1 << 16

// coldRing returns coldEvents copies of ev, each with its own agent ID,
// gate slice and timestamp.
func coldRing(ev *pecta.Event) []pecta.Event {
	ring := make([]pecta.Event, coldEvents)
	t0 := time.Date(2026, 5, 7, 14, 22, 44, 0, time.UTC)
	for i := range ring {
		e := *ev
		e.AgentID = fmt.Sprintf("agent-%05d", i)
		e.Gates = append([]pecta.GateResult(nil), ev.Gates...)
		e.Timestamp = t0.Add(time.Duration(i) * time.Millisecond)
		ring[i] = e
	}
	return ring
}

// reportPerEvent reports wall ns/event and cpu-ns/event for ops of one
// 100-event batch.
func reportPerEvent(b *testing.B, cpu time.Duration) {
	events := float64(b.N) * pecta.MaxBatchEvents
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/events, "cpu-ns/event")
}
