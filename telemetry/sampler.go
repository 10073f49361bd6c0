package telemetry

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Adaptive sampling keeps the events an emitter accepts within what its
// Budget can deliver, and decides in Track, before an event is validated or
// encoded, so a sampled-out event costs a hash, two atomic adds and a few
// multiplications.
//
// It is stratified by AgentID. Track hashes the ID into a fixed table of
// sampleSlots slots (agents whose hashes collide share a slot, and so a
// rate); each slot has an offered counter, striped sampleStripes ways so
// that two cores tracking the same agent rarely touch the same cache line,
// and a keep threshold. Every sampleAdjustEvery the loop goroutine reads the
// counters, smooths each slot's offered rate with an exponential moving
// average (as Honeycomb's dynsampler-go EMAThroughput does for its keys),
// asks the Budget what request rate it may count on, and shares the event
// rate that buys among the slots by max-min fairness (water filling): a
// slot offering less than the fair level keeps every event, heavier slots
// keep level/offered of theirs. Within a slot every event is kept with the
// same probability, chosen independently of its content and timing, so
// pass rates and latencies computed from what the server receives are
// unbiased estimates of the agent's; the counts scale back up by dividing
// by Emitter.AgentSampleRate(agentID).
const (
	sampleSlots    = 1 << sampleSlotBits
	sampleSlotBits = 10
	sampleStripes  = 8
	sampleShift    = 3 // log2(sampleStripes); thresholds compare 61 bits
	// sampleAdjustEvery is short so that a burst, or the first events of a
	// new emitter (kept whole until measured), cost at most a tenth of a
	// second of traffic.
	sampleAdjustEvery = 100 * time.Millisecond
	// sampleTau is the time constant of the moving average of each slot's
	// offered rate; a rise above the average is taken at once (fast attack,
	// slow decay) so a burst cannot overrun the budget for long.
	sampleTau = 2 * time.Second
	// sampleBoost keeps a little more than the budget carries, so that a
	// backlog of sampleBacklog to 1.6 s of sending stands and every request
	// leaves full; the backlog term holds it there.
	sampleBoost = 1.2
	// sampleFloor is the least share of the granted event rate the sampler
	// keeps while it drains a backlog, so that light agents are not cut
	// off entirely.
	sampleFloor = 0.1
	// sampleBacklog is how much sending time the queue may hold before the
	// sampler keeps less than the budget to drain it within sampleDrain.
	sampleBacklog = time.Second
	sampleDrain   = 3 * time.Second
)

// sampleCounter is one stripe's counters of one slot, with the slot's
// threshold: every stripe has a copy, so that keep reads and writes one
// line of one page (a cold Track, after the caller idled, pays for every
// page it touches: thr apart cost one more page walk).
type sampleCounter struct {
	seen atomic.Uint64 // events offered to the sampler
	out  atomic.Uint64 // events it sampled out
	// thr: keep when a draw>>sampleShift < thr>>sampleShift; math.MaxUint64
	// keeps all. Written by adjust (setThr) into every stripe.
	thr atomic.Uint64
	_   [8]byte // 32 bytes: two counters per line, never across lines
}

// sampler is the per-agent sampling state. Track reads the thresholds and
// adds to the counters; only the loop goroutine (adjust) writes thresholds.
type sampler struct {
	mode   samplingMode
	seed   uint64               // of slot's hash: random per emitter
	mix    uint64               // per emitter: different processes draw different sequences
	_      [cacheLine - 24]byte // the counters start a line of their own (TestEmitterLayout)
	counts [sampleStripes][sampleSlots]sampleCounter

	// owned by adjust (the loop goroutine)
	last     [sampleSlots]uint64 // seen at the previous adjustment
	ema      [sampleSlots]float64
	lastAt   time.Time
	active   []int // slots with traffic, reused
	grant    atomic.Uint64
	demand   atomic.Uint64
	keptRate atomic.Uint64 // float64 bits: events/s the last adjustment aimed to keep

	mu sync.Mutex // serialises adjust with tests calling it directly
}

type samplingMode uint8

const (
	samplingOff      samplingMode = iota // keep every event
	samplingFixed                        // Config.SampleRate
	samplingAdaptive                     // the default
)

func (s *sampler) init(mode samplingMode, fixed float64) {
	s.mode = mode
	s.seed = rand.Uint64()
	s.mix = rand.Uint64()
	thr := uint64(math.MaxUint64)
	if mode == samplingFixed {
		thr = rateThr(fixed)
	}
	for k := range s.counts {
		for i := range s.counts[k] {
			s.counts[k][i].thr.Store(thr)
		}
	}
	s.lastAt = time.Now()
}

// splitmix is the output function of SplitMix64.
func splitmix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// rate returns the fraction of agentID's events kept now.
func (s *sampler) rate(agentID string) float64 {
	return thrRate(s.counts[0][s.slot(agentID)].thr.Load())
}

func thrRate(thr uint64) float64 {
	if thr == math.MaxUint64 {
		return 1
	}
	return float64(thr>>sampleShift) / float64(math.MaxUint64>>sampleShift)
}

func rateThr(r float64) uint64 {
	switch {
	case r >= 1:
		return math.MaxUint64
	case r <= 0:
		return 0
	}
	return uint64(r*float64(math.MaxUint64>>sampleShift)) << sampleShift
}

// setThr stores a threshold only when it changes: a store invalidates the
// cache line every Track reads.
func (s *sampler) setThr(i int, v uint64) {
	if s.counts[0][i].thr.Load() != v {
		for k := range s.counts {
			s.counts[k][i].thr.Store(v)
		}
	}
}

// totals returns the events offered to the sampler and sampled out, ever.
func (s *sampler) totals() (seen, out uint64) {
	for k := range s.counts {
		for i := range s.counts[k] {
			c := &s.counts[k][i]
			seen += c.seen.Load()
			out += c.out.Load()
		}
	}
	return seen, out
}

// adjust recomputes the keep thresholds from the traffic since the last
// call. grant is called with the request rate needed to send everything
// offered and returns the request rate the budget grants; backlog is the
// number of events waiting to be sent.
func (s *sampler) adjust(now time.Time, batchSize int, backlog uint64, grant func(demand float64) float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dt := now.Sub(s.lastAt).Seconds()
	if dt <= 0 {
		return
	}
	s.lastAt = now
	alpha := 1 - math.Exp(-dt/sampleTau.Seconds())
	s.active = s.active[:0]
	var offered float64
	for i := range s.last {
		var seen uint64
		for k := range s.counts {
			seen += s.counts[k][i].seen.Load()
		}
		r := float64(seen-s.last[i]) / dt
		s.last[i] = seen
		if r > s.ema[i] {
			s.ema[i] = r
		} else {
			s.ema[i] = alpha*r + (1-alpha)*s.ema[i]
		}
		if s.ema[i] < 1e-3 {
			// no traffic: a newcomer is light until measured
			s.ema[i] = 0
			if s.mode == samplingAdaptive {
				s.setThr(i, math.MaxUint64)
			}
			continue
		}
		offered += s.ema[i]
		s.active = append(s.active, i)
	}
	demand := offered / float64(batchSize)
	s.demand.Store(math.Float64bits(demand))
	g := grant(demand)
	s.grant.Store(math.Float64bits(g))
	if s.mode != samplingAdaptive {
		return
	}
	// events per second the budget can carry, less what drains the backlog
	capacity := g * float64(batchSize)
	target := capacity * sampleBoost
	if allowed := capacity * sampleBacklog.Seconds(); float64(backlog) > allowed {
		target -= (float64(backlog) - allowed) / sampleDrain.Seconds()
	}
	target = max(target, capacity*sampleFloor)
	s.keptRate.Store(math.Float64bits(min(target, offered)))
	if target >= offered {
		for _, i := range s.active {
			s.setThr(i, math.MaxUint64)
		}
		return
	}
	// water filling: the level L with sum(min(ema, L)) == target
	slices.SortFunc(s.active, func(a, b int) int {
		switch {
		case s.ema[a] < s.ema[b]:
			return -1
		case s.ema[a] > s.ema[b]:
			return 1
		}
		return 0
	})
	left, level := target, 0.0
	for k, i := range s.active {
		n := float64(len(s.active) - k)
		if s.ema[i]*n >= left {
			level = left / n
			break
		}
		left -= s.ema[i]
		level = s.ema[i]
	}
	for _, i := range s.active {
		if s.ema[i] <= level {
			s.setThr(i, math.MaxUint64)
		} else {
			s.setThr(i, rateThr(level/s.ema[i]))
		}
	}
}

// AgentSampleRate returns the fraction of agentID's events the emitter
// keeps now (agents whose IDs hash alike share a rate).
func (e *Emitter) AgentSampleRate(agentID string) float64 {
	if e.nop || e.samp.mode == samplingOff {
		return 1
	}
	return e.samp.rate(agentID)
}

// adjustSampling runs every sampleAdjustEvery on the loop goroutine.
func (e *Emitter) adjustSampling(now time.Time) {
	// everything kept and not yet delivered or dropped, open shard
	// batches included, without taking the shard locks
	seen, out := e.samp.totals()
	refused := e.dropInvalid.Load() + e.dropClosed.Load() + e.droppedFull()
	e.mu.Lock()
	done := e.q.sent + e.q.dropTotal
	e.mu.Unlock()
	var backlog uint64
	if kept := seen - out; kept > refused+done {
		backlog = kept - refused - done
	}
	e.samp.adjust(now, e.set.batchSize, backlog, func(demand float64) float64 {
		ctx, cancel := context.WithTimeout(e.sendCtx, budgetGrantTimeout)
		defer cancel()
		return e.budget.Grant(ctx, demand)
	})
}

// budgetGrantTimeout bounds a Budget's Grant, so that a slow shared store
// cannot hold up the loop (which also seals batches).
const budgetGrantTimeout = 250 * time.Millisecond

// keep decides whether Track keeps an event of agentID, and counts it.
func (e *Emitter) keep(agentID string, hint uint64) bool {
	return e.samp.mode == samplingOff || e.samp.keep(agentID, hint)
}

// keep decides whether an event of agentID is kept, and counts it in the
// stripe of the calling goroutine (hint).
//
// It draws no random number from the runtime (math/rand/v2 costs as much
// as the rest of the decision): the decision is SplitMix64 applied to the
// stripe's count of the slot, a counter it increments anyway. SplitMix64 is
// a sequence generator of exactly that form (a counter through a strong
// mixer), so the decisions within a slot are a pseudo-random sequence,
// independent of the events' content and timing. An event of a slot that
// keeps everything costs one hash, one atomic add and one load.
func (s *sampler) keep(agentID string, hint uint64) bool {
	i := s.slot(agentID)
	k := hint >> (64 - sampleShift)
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

// strHash hashes s for slot: a multiply-xorshift over the 8-byte words of
// s, seeded per emitter and finished with MurmurHash3's fmix64, so that
// every byte moves the slot. It costs half of hash/maphash for ids of a
// few words (BenchmarkSamplerKeep), which matters on the sampled-out path.
// It is not a defence against ids chosen to collide: a collision only
// makes two agents share a sampling rate.
func strHash(s string, seed uint64) uint64 {
	const m = 0x9E3779B97F4A7C15
	n := len(s)
	h := seed ^ uint64(n)*m
	switch {
	case n > 16:
		for i := 0; i < n-8; i += 8 {
			h = (h ^ load64(s, i)) * m
			h ^= h >> 29
		}
		h = (h ^ load64(s, n-8)) * m
	case n >= 8:
		h = (h ^ load64(s, 0)) * m
		h ^= h >> 29
		h = (h ^ load64(s, n-8)) * m
	case n >= 4:
		h = (h ^ uint64(load32(s, 0))<<32 ^ uint64(load32(s, n-4))) * m
	case n > 0:
		h = (h ^ uint64(s[0])<<16 ^ uint64(s[n>>1])<<8 ^ uint64(s[n-1])) * m
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// load64 and load32 read the little-endian word of s at i (the compiler
// turns the byte loads into one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func load32(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
