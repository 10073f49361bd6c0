package telemetry

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Recovery of the arena a killed process left (arena.go).

// openArena maps the spool directory's arena, re-queues the batches an
// earlier process left in it and hands the free slots to the queue. It
// runs in newEmitter before the shards take their first batches; without a
// usable spool there is no arena.
func (e *Emitter) openArena() {
	sp := e.sp
	if sp == nil || arenaOff {
		return
	}
	path := filepath.Join(sp.st.Dir(), arenaFile)
	a, old, err := mapArena(path, arenaSlots(len(e.shards), e.set.maxQueueBytes))
	if errors.Is(err, errArenaUnsupported) {
		return
	}
	if err != nil {
		e.spoolError(fmt.Errorf("telemetry: spool arena %s unusable, events not yet spooled are lost if the process is killed: %w", path, err))
		return
	}
	a.log = e.log
	var recovered []*batch
	var corrupt uint64
	for i := range a.nslots {
		h := a.slot(i)
		commit, key := h.commit.Load(), h.spoolKey.Load()
		if i >= old.slots || commit == 0 {
			if commit != 0 || key != 0 { // (no write otherwise: no dirty page)
				h.commit.Store(0)
				h.spoolKey.Store(0)
			}
			continue
		}
		n, end := int(uint32(commit)), int(commit>>32)
		switch {
		case key != 0 && sp.inSpool[key]:
			// spooled; killed before the slot was freed
		case !validRecords(a.data(i)[:min(end, slotDataSize)], n, end):
			corrupt += uint64(min(n, 1<<16))
		default:
			h.spoolKey.Store(0)
			rec := a.data(i)[:end]
			recovered = append(recovered, &batch{batchState: batchState{rec: rec, n: n, bytes: int64(end), slot: h, slotIdx: i}})
			continue
		}
		h.commit.Store(0)
		h.spoolKey.Store(0)
	}
	a.writeHeader()
	inUse := make(map[int]bool, len(recovered))
	for _, b := range recovered {
		inUse[b.slotIdx] = true
	}
	for i := a.nslots - 1; i >= 0; i-- {
		if !inUse[i] {
			a.free = append(a.free, int32(i))
		}
	}
	slices.SortFunc(recovered, func(x, y *batch) int { return cmp.Compare(x.slot.gen.Load(), y.slot.gen.Load()) })
	var gen uint64
	e.mu.Lock()
	for _, b := range recovered {
		gen = max(gen, b.slot.gen.Load())
		e.q.push(b)
		e.queued.Add(b.bytes)
		sp.replayed += uint64(b.n)
		e.q.m.replayed.Add(uint64(b.n))
	}
	e.q.drop(ReasonSpoolCorrupt, corrupt, errSpoolCorrupt("arena slot"))
	sp.replayed += corrupt
	e.q.m.replayed.Add(corrupt)
	e.mu.Unlock()
	for cur := arenaGen.Load(); cur < gen && !arenaGen.CompareAndSwap(cur, gen); cur = arenaGen.Load() {
	}
	e.q.arena = a
	if len(recovered) > 0 {
		var events uint64
		for _, b := range recovered {
			events += uint64(b.n)
		}
		e.log.Info("telemetry: spool: re-queueing events tracked but not yet spooled by an earlier process",
			slog.String("dir", sp.st.Dir()), slog.Uint64("events", events), slog.Int("batches", len(recovered)))
	}
	if corrupt > 0 {
		e.spoolError(fmt.Errorf("telemetry: spool arena: %d events in corrupt slots skipped (reason %s)", corrupt, ReasonSpoolCorrupt))
	}
}

// arenaOld is what the file said before this process took it over.
type arenaOld struct {
	slots int
}

// readArenaHeader parses the file header; ok is false for a new or
// unreadable file.
func readArenaHeader(h []byte) (old arenaOld, ok bool) {
	if len(h) < 32 || string(h[:8]) != arenaMagic || binary.LittleEndian.Uint32(h[8:]) != slotSize {
		return old, false
	}
	old.slots = int(binary.LittleEndian.Uint32(h[12:]))
	return old, old.slots > 0 && old.slots <= 1<<20
}

func (a *arena) writeHeader() {
	h := a.mem[:32]
	copy(h, arenaMagic)
	binary.LittleEndian.PutUint32(h[8:], slotSize)
	binary.LittleEndian.PutUint32(h[12:], uint32(a.nslots))
}

// validRecords reports whether rec holds exactly n well-formed records in
// its first end bytes.
func validRecords(rec []byte, n, end int) bool {
	if n <= 0 || n > pecta.MaxBatchEvents || end > slotDataSize || end != len(rec) {
		return false
	}
	off := 0
	for range n {
		l, ok := checkRecord(rec[off:])
		if !ok {
			return false
		}
		off += l
	}
	return off == end
}
