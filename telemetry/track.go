package telemetry

import (
	"encoding/binary"
	"math"
	"time"
	"unsafe"

	"github.com/pecta-ai/pecta-go/internal/wire"
	"github.com/pecta-ai/pecta-go/pecta"
)

// Track's hot path, in one file in call order: the linker lays functions
// out in source order, so this code (about 4 KB) sits on one or two pages
// and a run of cache lines instead of being spread over six pages by file
// (clock.go to sampler.go). A Track after the caller idled finds little in
// cache, and a page walk in a virtual machine costs a few hundred
// nanoseconds: its p99.9 is mostly the pages and lines it touches.

// Track encodes ev into the emitter's queue and returns at once: it never
// blocks on the network, the flusher or a full queue, never wakes another
// goroutine, and allocates nothing in steady state. The caller may reuse ev
// as soon as Track returns. A zero ev.Timestamp is stamped with the current
// time (ev itself is not modified).
//
// Sampling (Config.SampleRate, or adaptive sampling by default) decides
// first: an event sampled out is counted under "sampled" and not validated.
//
// It returns nil when the event was queued or sampled out, ErrClosed after
// Close, ErrQueueFull when the queue bound dropped it, and an error matching
// ErrInvalidEvent (and wrapping *pecta.ValidationError) for an event outside
// the documented limits. Every refused event is counted in Stats.
func (e *Emitter) Track(ev *pecta.Event) error { return e.track(ev, false) }

// track is Track; sampled is true when the caller (TrackResult) has made
// the sampling decision already, before it built ev. Track is a wrapper
// the compiler inlines, so its callers call track directly.
func (e *Emitter) track(ev *pecta.Event, sampled bool) error {
	if e.closed.Load() {
		e.dropClosed.Add(1)
		return ErrClosed
	}
	// The one point where an event may be left out before it costs
	// anything more: the sampling decision (sampler.go), made before the
	// event is validated or copied.
	if ev != nil && !sampled && !e.keep(ev.AgentID) {
		return nil
	}
	// Validation: the common event (ASCII strings) is checked by
	// checkedSize and by putRecord's copy of its strings; any other takes
	// Validate, here or, for non-ASCII strings, after the copy.
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
		s := &e.shards[uint32(procID())&e.mask]
		if !s.mu.TryLock() {
			s = e.lockAnyShard()
		}
		if e.closed.Load() { // Close seals shards after setting closed
			s.mu.Unlock()
			e.dropClosed.Add(1)
			return ErrClosed
		}
		b := s.open
		// The bound is checked before anything is copied. When it might
		// refuse the event, evict older batches (DropOldest) or seal the
		// batch early (arena), the event's strings are checked first, so
		// that an invalid event is refused as invalid and never costs a
		// valid one its place: a pass over the strings, on this slow path
		// only (once per shard credit chunk, or per refused event).
		if plain && (s.credit < int64(size) || b.slot != nil && cap(b.rec)-len(b.rec) < size) {
			if !asciiStrings(ev) {
				s.mu.Unlock()
				if err := e.validate(ev); err != nil {
					return err
				}
				plain = false
				continue
			}
			plain = false // ASCII: valid (checkedSize checked the rest)
		}
		if s.credit < int64(size) && !e.reserve(s, int64(size)) {
			s.full.Add(1) // on the shard's own line
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
		rec, acc := putRecord(b.rec, size, ev, sec, nsec)
		if plain && acc&wire.HighBits != 0 {
			// Not ASCII: UTF-8 and lengths in characters decide, checked
			// by Validate without the lock. b.rec was not extended, so the
			// copy is discarded; a valid event is copied again.
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
		s.accepted++
		if b.n >= e.set.batchSize || len(b.rec) >= maxBatchBytes {
			e.seal(s)
		}
		s.mu.Unlock()
		if e.act.Load() == 0 { // once per actSpan ticks: keeps the ticker fast
			e.act.Store(1)
		}
		return nil
	}
}

// validate is Track's full check of an event its fast checks did not
// accept (not plain, or not ASCII): an invalid event is counted and refused
// with an error matching ErrInvalidEvent. Track calls it without the lock.
func (e *Emitter) validate(ev *pecta.Event) error {
	if err := ev.Validate(); err != nil {
		e.dropInvalid.Add(1)
		return &invalidError{err}
	}
	return nil
}

// asciiStrings reports whether every string of ev is ASCII (Track's slow
// paths; the kept path learns it from putRecord's copy). It costs a
// refused event about 20 ns (a loop with the loads inline measured no
// faster than these calls).
func asciiStrings(ev *pecta.Event) bool {
	acc := wire.OrBytes(ev.AgentID) | wire.OrBytes(ev.Tool)
	for i := range ev.Gates {
		acc |= wire.OrBytes(ev.Gates[i].Name) | wire.OrBytes(ev.Gates[i].Reason)
	}
	return acc&wire.HighBits == 0
}

// keep decides whether Track keeps an event of agentID; it counts what it
// samples out.
func (e *Emitter) keep(agentID string) bool {
	return e.samp.mode == samplingOff || e.samp.keep(agentID)
}

// keep decides whether Track keeps an event of agentID, and counts it.
//
// It draws no random number from the runtime (math/rand/v2 costs more
// than the rest of the decision): the stripe is picked from the address of
// the caller's stack, which differs between goroutines, and the decision
// from SplitMix64 applied to the stripe's count of the slot, a counter it
// increments anyway. SplitMix64 is a sequence generator of exactly that
// form (a counter through a strong mixer), so the decisions within a slot
// are a pseudo-random sequence, independent of the events' content and
// timing. An event of a slot that keeps everything costs one hash, one
// atomic add and one load.
func (s *sampler) keep(agentID string) bool {
	i := s.slot(agentID)
	var here byte
	k := uint64(uintptr(unsafe.Pointer(&here))>>10) * 0x9E3779B97F4A7C15 >> (64 - sampleShift)
	c := &s.counts[k][i]
	n := c.seen.Add(1)
	t := c.thr.Load()
	if t == math.MaxUint64 || splitmix(n*0x9E3779B97F4A7C15+s.mix+uint64(i)<<sampleShift+k)>>sampleShift < t>>sampleShift {
		return true
	}
	c.out.Add(1)
	return false
}

func (s *sampler) slot(agentID string) uint32 {
	return uint32(strHash(agentID, s.seed) >> (64 - sampleSlotBits))
}

// strHash hashes s for slot: a multiply-xorshift over the words of s
// (read as wire.OrBytes reads them, never past the end), seeded per
// emitter and finished with MurmurHash3's fmix64, so that every byte
// moves the slot. It replaced hash/maphash, whose call into the runtime's
// AES hash cost more than the rest of the sampling decision for ids of a
// few words (BenchmarkSamplerKeep). It is not a defence against ids chosen
// to collide: a collision only makes two agents share a sampling rate.
func strHash(s string, seed uint64) uint64 {
	const m = 0x9E3779B97F4A7C15
	n := len(s)
	p := unsafe.Pointer(unsafe.StringData(s))
	h := seed ^ uint64(n)*m
	switch {
	case n > 16:
		for i := 0; i < n-8; i += 8 {
			h = (h ^ wire.Load64(p, i)) * m
			h ^= h >> 29
		}
		h = (h ^ wire.Load64(p, n-8)) * m
	case n >= 8:
		h = (h ^ wire.Load64(p, 0)) * m
		h ^= h >> 29
		h = (h ^ wire.Load64(p, n-8)) * m
	case n >= 4:
		h = (h ^ uint64(wire.Load32(p, 0))<<32 ^ uint64(wire.Load32(p, n-4))) * m
	case n > 0:
		h = (h ^ uint64(*(*byte)(p))<<16 ^ uint64(*(*byte)(unsafe.Add(p, n>>1)))<<8 ^ uint64(*(*byte)(unsafe.Add(p, n-1)))) * m
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// checkedSize is recordSize for Track, which checks the event on the way:
// plain reports that ev passes every rule of pecta.Event.Validate except
// the ones about its strings' bytes, with every string within its limit in
// bytes. A plain event whose strings putRecord finds ASCII is valid (ASCII
// is valid UTF-8 with one character per byte), so Track validates the
// common event without a pass of its own over the strings: putRecord's
// copy reads them anyway. An event that is not plain (invalid, or with a
// string longer in bytes than its limit in characters) takes Validate.
// FuzzTrackValidation and TestTrackValidationOnSlowPaths hold the rules to
// Validate's.
func checkedSize(ev *pecta.Event) (size int, plain bool) {
	if ev == nil || len(ev.Gates) > pecta.MaxGates { // Validate refuses it in O(1)
		return 0, false
	}
	plain = ev.AgentID != "" && len(ev.AgentID) <= pecta.MaxAgentIDLen && len(ev.Tool) <= pecta.MaxToolLen &&
		len(ev.Gates) <= pecta.MaxGates && wire.ValidLatency(ev.TotalLatencyMS)
	if !ev.Timestamp.IsZero() {
		u := ev.Timestamp.Unix()
		plain = plain && u >= wire.MinUnix && u <= wire.MaxUnix
	}
	n := recordHeader + 4 + len(ev.AgentID) + len(ev.Tool)
	all := true
	for i := range ev.Gates {
		g := &ev.Gates[i]
		n += gateHeader + 4 + len(g.Name) + len(g.Reason)
		plain = plain && g.Name != "" && len(g.Name) <= pecta.MaxGateNameLen &&
			len(g.Reason) <= pecta.MaxReasonLen && wire.ValidLatency(g.LatencyMS)
		all = all && (g.Passed || g.Skipped)
	}
	return n, plain && (all || !ev.Passed)
}

// now returns the time as unix seconds and nanoseconds.
func (c *clock) now() (int64, uint32) {
	if v := c.stamp.Load(); v != 0 {
		return int64(v >> stampNanoBits), uint32(v & (1<<stampNanoBits - 1))
	}
	t := time.Now()
	return t.Unix(), uint32(t.Nanosecond())
}

// procID returns the id of the P the caller runs on (a hint: the caller may
// move to another P right after).
func procID() int {
	id := procPin()
	procUnpin()
	return id
}

// putRecord is appendRecord for a size already computed by recordSize (Track
// checks the queue bound with it first): the record is written in place,
// with one capacity check for the whole of it. It also returns the bytes
// of ev's strings ORed together (wire.OrBytes): the strings are ASCII when
// acc&wire.HighBits == 0.
func putRecord(dst []byte, size int, ev *pecta.Event, sec int64, nsec uint32) (_ []byte, acc uint64) {
	at := len(dst)
	if cap(dst)-at < size {
		dst = growRecords(dst, size)
	}
	dst = dst[:at+size]
	r := dst[at:]
	var flags byte
	if ev.Passed {
		flags = 1
	}
	_ = r[recordHeader-1]
	r[0] = flags
	r[1] = byte(len(ev.Gates))
	binary.LittleEndian.PutUint64(r[2:], uint64(sec))
	binary.LittleEndian.PutUint32(r[10:], nsec)
	binary.LittleEndian.PutUint64(r[14:], math.Float64bits(ev.TotalLatencyMS))
	// The strings, each a u16 length and its bytes, copied in one loop with
	// no call for strings of at most 16 bytes (two overlapping word moves,
	// as memmove does, two 4-byte moves or three byte moves): a call per
	// string, with the spills around it, cost more than the copy. (Four
	// word moves for 17-32 bytes measured no better than this memmove in
	// four A/Bs, bench/results/raw/copy32-ab-20261122T1750Z.txt.) A gate's
	// header goes before its name.
	p := recordHeader
	base := unsafe.Pointer(unsafe.SliceData(r))
	all := true // with gates, the outcome sent is derived from them (pecta.Event)
	for k, ns := 0, 2+2*len(ev.Gates); k < ns; k++ {
		var s string
		switch {
		case k == 0:
			s = ev.AgentID
		case k == 1:
			s = ev.Tool
		case k&1 == 0:
			g := &ev.Gates[(k-2)>>1]
			var gf byte
			if g.Passed {
				gf |= 1
			}
			if g.Skipped {
				gf |= 2
			}
			all = all && gf != 0
			q := r[p : p+gateHeader]
			q[0] = gf
			binary.LittleEndian.PutUint64(q[1:], math.Float64bits(g.LatencyMS))
			p += gateHeader
			s = g.Name
		default:
			s = ev.Gates[(k-2)>>1].Reason
		}
		n := len(s)
		binary.LittleEndian.PutUint16(r[p:], uint16(n))
		p += 2
		_ = r[p : p+n] // the stores below stay within r
		src := unsafe.Pointer(unsafe.StringData(s))
		switch {
		case n == 0: // no pointer one past the end of r (checkptr)
		case n > 16:
			copy(r[p:p+n], s)
			acc |= wire.OrLong(src, n)
		case n >= 8:
			d := unsafe.Add(base, p)
			a, b := wire.Load64(src, 0), wire.Load64(src, n-8)
			wire.Store64(d, 0, a)
			wire.Store64(d, n-8, b)
			acc |= a | b
		case n >= 4:
			d := unsafe.Add(base, p)
			a, b := wire.Load32(src, 0), wire.Load32(src, n-4)
			wire.Store32(d, 0, a)
			wire.Store32(d, n-4, b)
			acc |= uint64(a | b)
		default:
			d := unsafe.Add(base, p)
			a, m, z := *(*byte)(src), *(*byte)(unsafe.Add(src, n>>1)), *(*byte)(unsafe.Add(src, n-1))
			*(*byte)(d) = a
			*(*byte)(unsafe.Add(d, n>>1)) = m
			*(*byte)(unsafe.Add(d, n-1)) = z
			acc |= uint64(a | m | z)
		}
		p += n
	}
	if len(ev.Gates) > 0 {
		r[0] = 0
		if all {
			r[0] = 1
		}
	}
	return dst, acc
}
