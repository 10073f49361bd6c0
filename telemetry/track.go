package telemetry

import (
	"unsafe"

	"github.com/pecta-ai/pecta-go/internal/wire"
	"github.com/pecta-ai/pecta-go/pecta"
)

// Track queues ev and returns at once, without blocking or allocating;
// the caller may reuse ev when it returns (a zero Timestamp is stamped with
// the time of Track). It returns nil when the event was queued or sampled
// out, else ErrClosed, ErrQueueFull or an error matching ErrInvalidEvent;
// every refused event is counted.
func (e *Emitter) Track(ev *pecta.Event) error {
	if e.nop {
		return nil
	}
	return e.track(ev, goroutineHint(), false)
}

// goroutineHint returns a number that is the same for the calls of one
// goroutine and differs between goroutines: the address of a variable on
// the caller's stack, which is the goroutine's own (it changes only when
// the stack moves, which is harmless). Track spreads goroutines over its
// shards and the sampler's counter stripes with it, so that the cores
// tracking at once mostly write cache lines of their own. It is a
// conversion of a pointer to a number, never back, and nothing is read
// through it.
func goroutineHint() uint64 {
	var here byte
	return uint64(uintptr(unsafe.Pointer(&here))>>10) * 0x9E3779B97F4A7C15
}

// track is Track. sampled is true when the caller (TrackResult) has made
// the sampling decision already, before it built ev.
func (e *Emitter) track(ev *pecta.Event, hint uint64, sampled bool) error {
	if e.closed.Load() {
		e.dropClosed.Add(1)
		return ErrClosed
	}
	// The sampling decision comes before anything else the event costs
	// (sampler.go).
	if ev != nil && !sampled && !e.keep(ev.AgentID, hint) {
		return nil
	}
	// Validation: checkedSize checks every rule but the strings' bytes,
	// and putRecord reports whether the strings it copied are ASCII. Any
	// other event takes Validate.
	size, plain := checkedSize(ev)
	if !plain {
		if err := e.validate(ev); err != nil {
			return err
		}
	}
	var sec int64
	var nsec uint32
	if ev.Timestamp.IsZero() {
		sec, nsec = e.clock.now()
	} else {
		sec, nsec = ev.Timestamp.Unix(), uint32(ev.Timestamp.Nanosecond())
	}

	for {
		s := e.lockShard(hint)
		if e.closed.Load() { // Close seals the shards after setting closed
			s.mu.Unlock()
			e.dropClosed.Add(1)
			return ErrClosed
		}
		b := s.open
		// When the bound may refuse the event, evict older batches
		// (DropOldest) or seal the batch early (arena), the event is
		// validated first, so that an invalid event is refused as invalid
		// and never costs a valid one its place.
		if plain && (s.credit < int64(size) || b.slot != nil && cap(b.rec)-len(b.rec) < size) {
			plain = false
			if !asciiStrings(ev) {
				s.mu.Unlock()
				if err := e.validate(ev); err != nil {
					return err
				}
				continue
			}
			// ASCII: valid (checkedSize checked the rest)
		}
		if s.credit < int64(size) && !e.reserve(s, int64(size)) {
			s.full.Add(1)
			s.mu.Unlock()
			return ErrQueueFull
		}
		if b.slot != nil && cap(b.rec)-len(b.rec) < size { // arena.go: a slot never grows
			if b = e.roomInSlot(s, size); b == nil {
				s.full.Add(1)
				s.mu.Unlock()
				return ErrQueueFull
			}
		}
		rec, ascii := putRecord(b.rec, size, ev, sec, nsec)
		if plain && !ascii {
			// UTF-8 and lengths in characters decide: Validate, without
			// the lock. b.rec was not extended, so the copy is discarded.
			s.mu.Unlock()
			if err := e.validate(ev); err != nil {
				return err
			}
			plain = false
			continue
		}
		b.rec = rec
		s.credit -= int64(size)
		b.n++
		b.bytes += int64(size)
		b.commit() // arena.go: from here a kill of the process loses nothing
		s.accepted.Add(1)
		if b.n >= e.set.batchSize || len(b.rec) >= maxBatchBytes {
			e.seal(s)
		}
		s.mu.Unlock()
		if e.act.Load() == 0 { // the ticker clears it now and then: keeps the clock live
			e.act.Store(1)
		}
		return nil
	}
}

// lockShard locks the shard of the goroutine with hint, or any shard that
// is free when that one is busy (another goroutine shares it, or sealAll
// holds it).
func (e *Emitter) lockShard(hint uint64) *shard {
	i := uint32(hint>>32) & e.mask
	for k := range e.shards {
		if s := &e.shards[(i+uint32(k))&e.mask]; s.mu.TryLock() {
			return s
		}
	}
	s := &e.shards[i]
	s.mu.Lock()
	return s
}

// asciiStrings reports whether every string of ev is ASCII: the check
// Track's slow paths make before a bound can refuse the event (the kept
// path learns it from putRecord's copy).
func asciiStrings(ev *pecta.Event) bool {
	acc := orBytes(ev.AgentID) | orBytes(ev.Tool)
	for i := range ev.Gates {
		acc |= orBytes(ev.Gates[i].Name) | orBytes(ev.Gates[i].Reason)
	}
	return acc&0x8080808080808080 == 0
}

// orBytes returns the bytes of s ORed together, eight at a time.
func orBytes(s string) uint64 {
	var acc uint64
	for ; len(s) >= 8; s = s[8:] {
		acc |= load64(s, 0)
	}
	for i := range len(s) {
		acc |= uint64(s[i])
	}
	return acc
}

// validate is Track's full check of an event its fast checks did not
// accept: an invalid event is counted and refused with an error matching
// ErrInvalidEvent. Track calls it without the lock.
func (e *Emitter) validate(ev *pecta.Event) error {
	if err := ev.Validate(); err != nil {
		e.dropInvalid.Add(1)
		return &invalidError{err}
	}
	return nil
}

// checkedSize returns recordSize(ev), and plain when ev passes every rule
// of pecta.Event.Validate except the ones about its strings' bytes, with
// every string within its limit in bytes: then ev is valid when its
// strings are ASCII, which putRecord reports as it copies them.
// FuzzTrackValidation holds these rules to Validate's.
func checkedSize(ev *pecta.Event) (size int, plain bool) {
	if ev == nil || len(ev.Gates) > pecta.MaxGates { // Validate refuses it in O(1)
		return 0, false
	}
	plain = ev.AgentID != "" && len(ev.AgentID) <= pecta.MaxAgentIDLen && len(ev.Tool) <= pecta.MaxToolLen &&
		wire.ValidLatency(ev.TotalLatencyMS)
	if !ev.Timestamp.IsZero() {
		u := ev.Timestamp.Unix()
		plain = plain && u >= wire.MinUnix && u <= wire.MaxUnix
	}
	n := recordHeader + len(ev.AgentID) + len(ev.Tool)
	all := true
	for i := range ev.Gates {
		g := &ev.Gates[i]
		n += gateHeader + len(g.Name) + len(g.Reason)
		plain = plain && g.Name != "" && len(g.Name) <= pecta.MaxGateNameLen &&
			len(g.Reason) <= pecta.MaxReasonLen && wire.ValidLatency(g.LatencyMS)
		all = all && (g.Passed || g.Skipped)
	}
	return n, plain && (all || !ev.Passed)
}
