package telemetry

import (
	"sync/atomic"
	"time"
)

// clock gives Track the current time for under a nanosecond. time.Now
// costs 50-100 ns on some virtual machines (kvm-clock), a third of Track's
// budget, so while events flow a goroutine refreshes a coarse wall clock
// every millisecond and Track reads it with one atomic load. After a second
// without events the goroutine parks, and Track falls back to time.Now
// (waking it) until it runs again. Timestamps stamped by Track therefore
// have millisecond resolution (the wire's) and may lag a few milliseconds
// when every CPU is saturated.
type clock struct {
	nanos atomic.Int64  // unix nanoseconds, valid while live
	live  atomic.Bool   // the refresher is running
	hit   atomic.Uint32 // set by readers since the last tick
	wake  chan struct{}
}

const (
	clockTick     = time.Millisecond
	clockIdleTick = 1000 // ticks without a reader before parking
)

func (c *clock) init() { c.wake = make(chan struct{}, 1) }

// now returns the time as unix seconds and nanoseconds.
func (c *clock) now() (int64, uint32) {
	if c.live.Load() {
		if c.hit.Load() == 0 {
			c.hit.Store(1)
		}
		n := c.nanos.Load()
		return n / 1e9, uint32(n % 1e9)
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
	t := time.Now()
	return t.Unix(), uint32(t.Nanosecond())
}

// run refreshes the clock until stop is closed.
func (c *clock) run(stop <-chan struct{}) {
	for {
		select {
		case <-c.wake:
		case <-stop:
			return
		}
		c.nanos.Store(time.Now().UnixNano())
		c.hit.Store(1)
		c.live.Store(true)
		t := time.NewTicker(clockTick)
		idle := 0
		for idle < clockIdleTick {
			select {
			case <-t.C:
				c.nanos.Store(time.Now().UnixNano())
				if c.hit.Swap(0) == 0 {
					idle++
				} else {
					idle = 0
				}
			case <-stop:
				t.Stop()
				c.live.Store(false)
				return
			}
		}
		t.Stop()
		c.live.Store(false)
	}
}
