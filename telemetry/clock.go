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
	// stamp is the time as unix seconds<<30 | nanoseconds, refreshed every
	// tick while events flow, and 0 while the clock is not live: one load
	// gives Track both the state and the time, with no division.
	stamp atomic.Uint64
}

const stampNanoBits = 30 // 1e9 < 1<<30; seconds have 34 bits (until year 2514)

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
	// idleTicks without a Track switch the ticker to idlePoll (counted
	// once act is cleared, up to actSpan ticks after the last Track).
	idleTicks = 1000
	// actSpan is how many ticks apart the ticker clears act.
	actSpan = 100
	// idlePoll is the ticker's period while idle: an idle emitter wakes
	// 20 times a second, and the first batch after an idle second may wait
	// this long for a sender.
	idlePoll = 50 * time.Millisecond
)

// live reports whether the ticker keeps the clock (tests).
func (c *clock) live() bool { return c.stamp.Load() != 0 }

// set makes the clock live at t (the ticker); stop makes Track read
// time.Now again.
// A system clock the stamp cannot hold (before 1970, or after 2514) leaves
// the clock stopped: Track reads time.Now itself.
func (c *clock) set(t time.Time) {
	sec := t.Unix()
	if sec <= 0 || sec >= 1<<(64-stampNanoBits) {
		c.stop()
		return
	}
	c.stamp.Store(uint64(sec)<<stampNanoBits | uint64(t.Nanosecond()))
}

// stop writes only when the clock runs: an idle ticker calls it every poll,
// and a store would cost the next Track a miss on the clock's line.
func (c *clock) stop() {
	if c.stamp.Load() != 0 {
		c.stamp.Store(0)
	}
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
	fast, burst, idle, sinceClear := false, false, 0, 0
	var sealedN uint64
	for {
		select {
		case <-t.C:
		case <-e.stopLoop:
			e.clock.stop()
			return
		}
		e.ticks.Add(1)
		waiting, n := e.sealedWaiting()
		busy := n-sealedN > burstBatches
		sealedN = n
		if e.act.Load() != 0 {
			// Track set act within the last actSpan ticks. Clearing it
			// every tick would cost the first Track of every tick a miss on
			// its line (seen in the p99.9 of a bidder tracking bursts).
			if sinceClear++; sinceClear >= actSpan {
				e.act.Store(0)
				sinceClear = 0
			}
			idle = 0
			switch {
			case !fast || burst != busy:
				fast, burst = true, busy
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
				t.Reset(idlePoll)
			}
		}
		if fast {
			e.clock.set(time.Now())
		} else {
			e.clock.stop()
		}
		// batches sealed by Track, or moved to the queue by Stats or
		// DropOldest, wait for a sender
		if fast {
			e.q.topUp(len(e.shards) + 2)
		}
		if waiting || e.q.listLen.Load() > 0 {
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

// now returns the time as unix seconds and nanoseconds: the ticker's
// stamp while it is live, time.Now otherwise.
func (c *clock) now() (int64, uint32) {
	if v := c.stamp.Load(); v != 0 {
		return int64(v >> stampNanoBits), uint32(v & (1<<stampNanoBits - 1))
	}
	t := time.Now()
	return t.Unix(), uint32(t.Nanosecond())
}
