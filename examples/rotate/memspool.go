package main

import (
	"errors"
	"slices"
	"sync"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// memSpool is a telemetry.Spool that keeps its batches in memory, so that
// this example needs no module beside the root one. A real program uses
// spool.Open from the telemetry/spool module, whose batches survive a
// crash; the rotation works the same with either.
type memSpool struct {
	dir string // where the emitter keeps its arena (Linux)

	mu      sync.Mutex
	batches map[uint64]telemetry.SpoolBatch
}

func newMemSpool(dir string) *memSpool {
	return &memSpool{dir: dir, batches: make(map[uint64]telemetry.SpoolBatch)}
}

func (s *memSpool) Dir() string { return s.dir }

// Scan visits the batches in Key order.
func (s *memSpool) Scan(fn func(telemetry.SpoolBatch) error) error {
	s.mu.Lock()
	keys := make([]uint64, 0, len(s.batches))
	for k := range s.batches {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	list := make([]telemetry.SpoolBatch, len(keys))
	for i, k := range keys {
		list[i] = s.batches[k]
	}
	s.mu.Unlock()
	for _, b := range list {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

// Write stores put and deletes del at once.
func (s *memSpool) Write(put, del []telemetry.SpoolBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range put {
		b.Data = slices.Clone(b.Data)
		s.batches[b.Key] = b
	}
	for _, b := range del {
		delete(s.batches, b.Key)
	}
	return nil
}

// Read appends the Data of b to dst.
func (s *memSpool) Read(b telemetry.SpoolBatch, dst []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	got, ok := s.batches[b.Key]
	if !ok {
		return dst, errors.New("memspool: no such batch")
	}
	return append(dst, got.Data...), nil
}

func (s *memSpool) Close() error { return nil }
