package telemetry

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"testing"
	"time"
)

// benchEmitter returns an emitter draining into a loopback sink.
func benchEmitter(b *testing.B) *Emitter {
	s := newSink(b)
	e, err := New(Config{
		PublishableKey:    testPK,
		SecretKey:         testSK,
		BaseURL:           s.srv.URL,
		RequestsPerMinute: -1,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.Close(ctx)
	})
	return e
}

func BenchmarkTrack(b *testing.B) {
	e := benchEmitter(b)
	ev := event("bench-agent", 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := e.Track(ev); err != nil && err != ErrQueueFull {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportDrops(b, e)
}

func BenchmarkTrackParallel(b *testing.B) {
	e := benchEmitter(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ev := event("bench-agent", 1)
		for pb.Next() {
			if err := e.Track(ev); err != nil && err != ErrQueueFull {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportDrops(b, e)
}

// reportDrops reports the share of events the full queue shed: Track runs
// far faster than one loopback HTTP pipeline drains on 2 cores, so the
// benchmark measures the accept path until the bound is reached and the
// drop path after it.
func reportDrops(b *testing.B, e *Emitter) {
	st := e.Stats()
	if st.Tracked > 0 {
		b.ReportMetric(float64(st.DroppedByReason[ReasonQueueFull])/float64(st.Tracked)*100, "%dropped")
	}
}

// hotPathEmitter returns an emitter whose senders recycle batches without
// encoding or sending them, so the queue never fills: it measures Track's
// accept path alone (validate, copy, seal, recycle).
func hotPathEmitter(b *testing.B) *Emitter {
	cfg := Config{PublishableKey: testPK, RequestsPerMinute: -1}
	set, err := cfg.settings()
	if err != nil {
		b.Fatal(err)
	}
	e := newEmitter(set, nil)
	b.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func BenchmarkTrackHotPath(b *testing.B) {
	e := hotPathEmitter(b)
	ev := event("bench-agent", 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Track(ev); err != nil && err != ErrQueueFull {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportDrops(b, e)
}

func BenchmarkTrackHotPathParallel(b *testing.B) {
	e := hotPathEmitter(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ev := event("bench-agent", 1)
		for pb.Next() {
			if err := e.Track(ev); err != nil && err != ErrQueueFull {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportDrops(b, e)
}

func BenchmarkSign(b *testing.B) {
	for _, size := range []int{256, 4 << 10, 16 << 10, 64 << 10} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte('a' + i%26)
		}
		b.Run("Sign/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				_ = Sign(body, testSK)
			}
		})
		b.Run("hmac/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var sum [sha256.Size]byte
			for b.Loop() {
				m := hmac.New(sha256.New, []byte(testSK))
				m.Write(body)
				_ = m.Sum(sum[:0])
			}
		})
	}
}
