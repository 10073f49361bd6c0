package telemetry

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// spoolBenchEmitter returns an emitter with an optional spool in a fresh
// directory and a sender that encodes and signs every batch, as a real one
// does, but sends it nowhere: Track competes with the background work
// (encode and sign; with the spool also write, fsync, read back and
// remove) and nothing else. The queue bound is large so that a run of
// -benchtime=1000000x never takes the drop path (%dropped reads 0).
func spoolBenchEmitter(b *testing.B, spool bool) *Emitter {
	cfg := Config{PublishableKey: NewKey(testPK), SecretKey: NewKey(testSK), RequestsPerMinute: -1, MaxQueueBytes: 512 << 20}
	if spool {
		cfg.SpoolDir = b.TempDir()
		cfg.MaxSpoolBytes = 1 << 30
	}
	set, err := cfg.settings()
	if err != nil {
		b.Fatal(err)
	}
	if err := openSpool(&set); err != nil {
		b.Fatal(err)
	}
	nullSend := func(context.Context, []byte, string) (int, error) { return pecta.MaxBatchEvents, nil }
	return newEmitter(set, nullSend)
}

// closeBench closes e without waiting for its backlog (kept in the spool, or
// dropped with reason "shutdown").
func closeBench(e *Emitter) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = e.Close(ctx)
}

// BenchmarkTrackSpool compares Track with the spool off and on, serial and
// parallel, while the background delivers at full speed. Run it with a
// fixed count (-benchtime=1000000x), interleaved, and compare medians.
func BenchmarkTrackSpool(b *testing.B) {
	for _, mode := range []string{"memory", "spool"} {
		b.Run(mode, func(b *testing.B) {
			e := spoolBenchEmitter(b, mode == "spool")
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
			closeBench(e)
		})
		b.Run(mode+"-parallel", func(b *testing.B) {
			e := spoolBenchEmitter(b, mode == "spool")
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
			closeBench(e)
		})
	}
}

// BenchmarkSpoolCycle measures what the spool costs one batch of 100
// typical events (3 gates): encode the JSON, sign it, write the record in
// its own transaction, and remove it after delivery in another, each
// committed with an fsync ("fsync") or without ("nosync"). It reports
// events/s and the record bytes written per second.
func BenchmarkSpoolCycle(b *testing.B) {
	for _, noSync := range []bool{false, true} {
		name := map[bool]string{false: "fsync", true: "nosync"}[noSync]
		b.Run(name, func(b *testing.B) {
			st, _, err := openSpoolStore(b.TempDir(), noSync)
			if err != nil {
				b.Fatal(err)
			}
			defer st.close()
			fp := spoolFingerprint(testPK, testSK)
			q := queue{}
			q.init(100, 1, 8<<20)
			bt := q.newBatch()
			for i := range 100 {
				ev := event("bench-agent-"+strconv.Itoa(i%10), i)
				bt.rec = appendRecord(bt.rec, ev, time.Now().Unix(), 0)
				bt.n++
			}
			var buf sendBuffers
			buf.bodyCap = initialBodyCap
			b.ReportAllocs()
			var size int
			start := time.Now()
			seq := uint64(0)
			for b.Loop() {
				body := append(make([]byte, 0, buf.bodyCap), `{"events":[`...)
				body = buf.enc.appendJSON(body, bt.rec)
				body = append(body, "]}"...)
				sig := Sign(body, testSK)
				seq++
				key := spoolKey(seq, bt.n)
				rec := appendSpoolRecord(nil, fp, body, sig)
				size = len(rec)
				if err := st.write([]spoolWrite{{key: key, val: rec}}, nil); err != nil {
					b.Fatal(err)
				}
				if err := st.remove(key); err != nil {
					b.Fatal(err)
				}
			}
			el := time.Since(start).Seconds()
			b.SetBytes(int64(size))
			b.ReportMetric(float64(seq*100)/el, "events/s")
		})
	}
}

// BenchmarkSpoolReplay measures New on a spool holding 1,000 batches
// (100,000 events): scanning and checking every record.
func BenchmarkSpoolReplay(b *testing.B) {
	dir := b.TempDir()
	st, _, err := openSpoolStore(dir, true)
	if err != nil {
		b.Fatal(err)
	}
	fp := spoolFingerprint(testPK, testSK)
	body := make([]byte, 20<<10)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	var ws []spoolWrite
	for i := range 1000 {
		ws = append(ws, spoolWrite{key: spoolKey(uint64(i+1), 100), val: appendSpoolRecord(nil, fp, body, Sign(body, testSK))})
	}
	if err := st.write(ws, nil); err != nil {
		b.Fatal(err)
	}
	st.close()
	b.ReportAllocs()
	for b.Loop() {
		e, err := New(Config{PublishableKey: NewKey(testPK), SecretKey: NewKey(testSK), BaseURL: "http://127.0.0.1:1", SpoolDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if e.Stats().Replayed != 100000 {
			b.Fatal("replay incomplete")
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // keep everything in the spool
		_ = e.Close(ctx)
	}
}
