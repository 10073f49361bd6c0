package spool

import (
	"bytes"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/pecta-ai/pecta-go/telemetry"
)

func open(t testing.TB, dir string, opts *Options) *Store {
	t.Helper()
	st, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// batchData returns n bytes of incompressible test data.
func batchData(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func scanAll(t testing.TB, st *Store) map[uint64][]byte {
	t.Helper()
	got := map[uint64][]byte{}
	err := st.Scan(func(b telemetry.SpoolBatch) error {
		got[b.Key] = append([]byte(nil), b.Data...)
		if b.Events != int(b.Key%100) {
			t.Fatalf("batch %d has %d events", b.Key, b.Events)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestWriteScanReadDelete(t *testing.T) {
	st := open(t, t.TempDir(), nil)
	defer st.Close()
	var put []telemetry.SpoolBatch
	for k := uint64(1); k <= 50; k++ {
		put = append(put, telemetry.SpoolBatch{Key: k, Events: int(k % 100), Data: batchData(k, 1000+int(k))})
	}
	if err := st.Write(put, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Write(nil, put[:10]); err != nil {
		t.Fatal(err)
	}
	got := scanAll(t, st)
	if len(got) != 40 {
		t.Fatalf("%d batches after deleting 10 of 50", len(got))
	}
	for _, b := range put[10:] {
		data, err := st.Read(telemetry.SpoolBatch{Key: b.Key, Events: b.Events}, []byte("x"))
		if err != nil || !bytes.Equal(data[1:], b.Data) || data[0] != 'x' || !bytes.Equal(got[b.Key], b.Data) {
			t.Fatalf("batch %d read back wrong: %v", b.Key, err)
		}
	}
	if _, err := st.Read(put[0], nil); err == nil {
		t.Fatal("a deleted batch was read")
	}
}

func TestSecondOwnerRefused(t *testing.T) {
	dir := t.TempDir()
	st := open(t, dir, nil)
	if _, err := Open(dir, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open of %s: %v, want ErrLocked", dir, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	open(t, dir, nil).Close() // free again after Close
}

// A write that fails inside its transaction leaves the state before it.
func TestFailedWriteLeavesNothing(t *testing.T) {
	st := open(t, t.TempDir(), nil)
	defer st.Close()
	if err := st.Write([]telemetry.SpoolBatch{{Key: 1, Events: 1, Data: []byte("a")}}, nil); err != nil {
		t.Fatal(err)
	}
	hookInTxn = func() error { return errors.New("injected") }
	err := st.Write([]telemetry.SpoolBatch{{Key: 2, Events: 2, Data: []byte("b")}}, []telemetry.SpoolBatch{{Key: 1, Events: 1}})
	hookInTxn = nil
	if err == nil {
		t.Fatal("the injected failure was not returned")
	}
	if got := scanAll(t, st); len(got) != 1 || string(got[1]) != "a" {
		t.Fatalf("after a failed write: %q", got)
	}
}

// A spool file cut short (a crash with NoSync, a full disk, a bad copy)
// would make bbolt fault with SIGBUS on every start. Open moves it aside
// and logs it, and starts a fresh spool; a cut that spares every used page
// keeps everything.
func TestTruncatedFileMovedAside(t *testing.T) {
	dir := t.TempDir()
	st := open(t, dir, nil)
	var put []telemetry.SpoolBatch
	for k := uint64(1); k <= 200; k++ {
		put = append(put, telemetry.SpoolBatch{Key: k, Events: int(k % 100), Data: batchData(k, 20<<10)})
	}
	if err := st.Write(put, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, err := os.ReadFile(filepath.Join(dir, spoolFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{100, 4096, 5000, 3 * 4096, len(raw) / 2, len(raw) - 1} {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, spoolFile), raw[:off], 0o600); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		st, err := Open(d, &Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatalf("cut at %d: %v", off, err)
		}
		got := scanAll(t, st)
		if err := st.Write([]telemetry.SpoolBatch{{Key: 1000, Events: 0, Data: []byte("after")}}, nil); err != nil {
			t.Fatalf("cut at %d: write: %v", off, err)
		}
		st.Close()
		aside, _ := filepath.Glob(filepath.Join(d, spoolFile+".corrupt-*"))
		switch {
		case len(aside) == 1 && len(got) == 0 && bytes.Contains(logs.Bytes(), []byte("moved aside")):
		case len(aside) == 0 && len(got) == len(put):
		default:
			t.Fatalf("cut at %d: %d of %d batches, moved aside %v, log %q", off, len(got), len(put), aside, logs.String())
		}
	}
}

// BenchmarkCycle measures what the store costs one batch of about 100
// typical events (a 20 KiB record): write it in its own transaction and
// remove it in another, each committed with an fsync ("fsync") or without
// ("nosync"). It reports batches/s (the documented org budget is 500
// requests a minute, 8.3 a second).
func BenchmarkCycle(b *testing.B) {
	for _, noSync := range []bool{false, true} {
		name := map[bool]string{false: "fsync", true: "nosync"}[noSync]
		b.Run(name, func(b *testing.B) {
			st := open(b, b.TempDir(), &Options{NoSync: noSync})
			defer st.Close()
			data := batchData(1, 20<<10)
			b.SetBytes(int64(len(data)))
			var k uint64
			for b.Loop() {
				k++
				batch := []telemetry.SpoolBatch{{Key: k, Events: 100, Data: data}}
				if err := st.Write(batch, nil); err != nil {
					b.Fatal(err)
				}
				if err := st.Write(nil, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
		})
	}
}
