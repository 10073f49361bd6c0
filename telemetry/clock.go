package telemetry

import (
	"sync/atomic"
	"time"
)

// clock gives Track the current time for under a nanosecond. time.Now
// costs 50-100 ns on some virtual machines (kvm-clock), a third of Track's
// budget, so while events flow the ticker goroutine refreshes a coarse wall
// clock every millisecond and Track reads it with one atomic load.
// Timestamps stamped by Track therefore have millisecond resolution (the
// wire's) and may lag a few milliseconds when every CPU is saturated. While
// the emitter is idle the clock is not refreshed and Track reads time.Now
// instead: it never wakes the ticker, which notices the activity at its
// next idle poll.
type clock struct {
	nanos atomic.Int64 // unix nanoseconds, valid while live
	live  atomic.Bool  // refreshed every tick
}

const (
	// clockTick is the ticker's period while events flow: the clock's
	// resolution, and the longest a batch sealed by Track waits before a
	// parked sender is kicked.
	clockTick = time.Millisecond
	// burstTick replaces clockTick while Track seals more than
	// burstBatches batches per tick: the batches then wait at most 100 µs,
	// so the few that cycle between Track and the senders stay in cache
	// (at 10 million events a second, 1 ms holds 100 batches, 1.6 MB). The
	// ticker's extra wake-ups are amortised over thousands of events.
	burstTick    = 100 * time.Microsecond
	burstBatches = 2
	// idleTicks without a Track switch the ticker to idlePoll.
	idleTicks = 1000
	// idlePoll is the ticker's period while idle: an idle emitter wakes
	// 20 times a second, and the first batch after an idle second may wait
	// this long for a sender.
	idlePoll = 50 * time.Millisecond
)

// now returns the time as unix seconds and nanoseconds.
func (c *clock) now() (int64, uint32) {
	if c.live.Load() {
		n := c.nanos.Load()
		return n / 1e9, uint32(n % 1e9)
	}
	t := time.Now()
	return t.Unix(), uint32(t.Nanosecond())
}

// ticker is the goroutine that does, on Track's behalf, everything that
// would make Track wake another goroutine: it refreshes the clock, kicks a
// sender when Track sealed batches, and wakes the loop when a DropOldest
// eviction has something to report. It ticks every clockTick while Track
// is being called and every idlePoll after idleTicks ticks without a call.
// It ends when Close closes stopLoop.
func (e *Emitter) ticker() {
	defer close(e.clockDone)
	t := time.NewTicker(idlePoll)
	defer t.Stop()
	fast, burst, idle := false, false, 0
	var sealedN uint64
	for {
		select {
		case <-t.C:
		case <-e.stopLoop:
			e.clock.live.Store(false)
			return
		}
		e.ticks.Add(1)
		e.clock.nanos.Store(time.Now().UnixNano())
		n := e.sealedN.Load()
		busy := n-sealedN > burstBatches
		sealedN = n
		if e.act.Load() != 0 {
			e.act.Store(0)
			idle = 0
			switch {
			case !fast || burst != busy:
				fast, burst = true, busy
				e.clock.live.Store(true)
				if busy {
					t.Reset(burstTick)
				} else {
					t.Reset(clockTick)
				}
			}
		} else if fast {
			if burst {
				burst = false
				t.Reset(clockTick)
			}
			if idle++; idle >= idleTicks {
				fast = false
				e.clock.live.Store(false)
				t.Reset(idlePoll)
			}
		}
		// batches sealed by Track, or moved to the queue by Stats or
		// DropOldest, wait for a sender
		if e.sealed.Load() != nil || e.q.listLen.Load() > 0 {
			select {
			case e.kick <- struct{}{}:
			default:
			}
		}
		if e.notifyReq.Load() {
			e.notifyReq.Store(false)
			e.signalNotify()
		}
	}
}
