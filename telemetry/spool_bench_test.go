package telemetry

import (
	"context"
	"hash/crc32"
	"path/filepath"
	"runtime"
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
	cfg := Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), RequestsPerMinute: -1, MaxQueueBytes: 512 << 20}
	if spool {
		cfg.Spool = openDirSpool(b, b.TempDir())
		cfg.MaxSpoolBytes = 1 << 30
	}
	set, err := cfg.settings()
	if err != nil {
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

// BenchmarkTrackArena compares Track with the spool off ("memory"), on
// without the arena ("spool-heap": records on the Go heap, as before the
// arena) and on with it ("spool": records in the arena's MAP_SHARED slots,
// durable against a kill when Track returns), in the steady state the
// arena is sized for: every 50,000 events the background catches up
// (SyncSpool or Flush, timer stopped), so that the spooler, which is slower
// than a tight loop of Track, never runs out of slots. starved counts
// events refused for want of a slot (0: every event measured went to the
// arena). spool-heap vs spool isolates the arena's cost in Track (same
// background work); memory vs spool adds the spooler's. Run it with a
// fixed count, interleaved, and compare medians.
func BenchmarkTrackArena(b *testing.B) {
	const chunk = 50000
	for _, mode := range []string{"memory", "spool-heap", "spool"} {
		b.Run(mode, func(b *testing.B) {
			arenaOff = mode == "spool-heap"
			e := spoolBenchEmitter(b, mode != "memory")
			arenaOff = false
			if mode == "spool" && e.q.arena == nil && runtime.GOOS == "linux" {
				b.Fatal("no arena")
			}
			catchUp := func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				var err error
				if mode == "memory" {
					err = e.Flush(ctx)
				} else {
					err = e.SyncSpool(ctx)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			ev := event("bench-agent", 1)
			for range chunk { // warm: slots touched, as in a running process
				_ = e.Track(ev)
			}
			catchUp()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if err := e.Track(ev); err != nil && err != ErrQueueFull {
					b.Fatal(err)
				}
				if i++; i%chunk == 0 {
					b.StopTimer()
					catchUp()
					b.StartTimer()
				}
			}
			b.StopTimer()
			reportDrops(b, e)
			if a := e.q.arena; a != nil {
				b.ReportMetric(float64(a.starved.Load()), "starved")
			}
			closeBench(e)
		})
	}
}

// BenchmarkArenaAppend isolates what the arena adds to Track, without the
// background goroutines whose scheduling dominates the noise of
// BenchmarkTrackArena on a shared 2-core machine: the record copy of one
// typical event (3 gates) into a batch's buffer, the slot room check and
// the commit store, into a heap buffer ("heap", no slot: the check and the
// store are skipped as in Track) or an arena slot ("arena": MAP_SHARED
// file memory plus the 8-byte commit). "arena+crc32c" adds a CRC-32C of
// each record, the alternative to the length-last commit that was weighed
// and not shipped. The batch restarts when full, as Track seals it.
func BenchmarkArenaAppend(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("no arena")
	}
	a, _, err := mapArena(filepath.Join(b.TempDir(), arenaFile), 1)
	if err != nil {
		b.Fatal(err)
	}
	defer unmapArena(a)
	ev := event("bench-agent", 1)
	var sum uint32
	for _, mode := range []string{"heap", "arena", "arena+crc32c"} {
		b.Run(mode, func(b *testing.B) {
			bt := &batch{batchState: batchState{rec: make([]byte, 0, slotDataSize)}}
			if mode != "heap" {
				bt = &batch{batchState: batchState{rec: a.data(0), slot: a.slot(0)}}
			}
			b.ReportAllocs()
			for b.Loop() {
				if bt.slot != nil && cap(bt.rec)-len(bt.rec) < maxRecordBytes {
					if cap(bt.rec)-len(bt.rec) < recordSize(ev) {
						bt.reset()
					}
				} else if bt.slot == nil && len(bt.rec) > slotDataSize-512 {
					bt.reset()
				}
				at := len(bt.rec)
				bt.rec = appendRecord(bt.rec, ev, 1700000000, 5)
				if mode == "arena+crc32c" { // the alternative to a length-last commit (not shipped)
					sum += crc32.Checksum(bt.rec[at:], crcTable)
				}
				bt.n++
				bt.commit()
			}
			b.SetBytes(int64(len(appendRecord(nil, ev, 1, 1))))
		})
	}
	_ = sum
}
