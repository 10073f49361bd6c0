package telemetry

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// loop is the emitter's housekeeping goroutine: it seals partial batches
// every FlushInterval and runs the callbacks. It ends when Close closes
// stopLoop, after a last report.
func (e *Emitter) loop() {
	defer close(e.loopDone)
	t := time.NewTicker(e.set.flushInterval)
	defer t.Stop()
	adj := time.NewTicker(sampleAdjustEvery)
	defer adj.Stop()
	for {
		select {
		case now := <-adj.C:
			e.adjustSampling(now)
		case <-t.C:
			e.sealAll()
			e.notif.run()
		case <-e.notifyCh:
			e.notif.run()
		case <-e.stopLoop:
			e.notif.run()
			return
		}
	}
}

// notifier aggregates drops and errors and hands them to the callbacks.
type notifier struct {
	e        *Emitter
	reported [4]uint64 // Track-side drop counters already reported
	panics   atomic.Uint64

	mu      sync.Mutex
	running bool // a callback is executing
	stopped bool // Close gave up waiting: run no more callbacks
}

// stop forbids further callbacks and reports whether one is running now.
func (n *notifier) stop() (running bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stopped = true
	return n.running
}

func (n *notifier) init(e *Emitter) { n.e = e }

// run reports what happened since the previous run. Only the loop
// goroutine calls it.
func (n *notifier) run() {
	e := n.e
	if e.set.onDrop == nil && e.set.onError == nil {
		e.mu.Lock()
		clear(e.q.pendDrops)
		e.q.pendErrs = e.q.pendErrs[:0]
		e.mu.Unlock()
		return
	}
	var reports []DropReport
	_, sampled := e.samp.totals()
	cur := [4]uint64{e.dropInvalid.Load(), sampled, e.dropClosed.Load(), e.droppedFull()}
	names := [4]string{ReasonInvalid, ReasonSampled, ReasonClosed, ReasonQueueFull}
	e.mu.Lock()
	for i := range cur {
		if d := cur[i] - n.reported[i]; d > 0 {
			r := e.q.pendDrops[names[i]]
			if r == nil {
				r = &DropReport{Reason: names[i]}
				e.q.pendDrops[names[i]] = r
			}
			r.Count += d
		}
	}
	for _, r := range e.q.pendDrops {
		reports = append(reports, *r)
	}
	clear(e.q.pendDrops)
	errs := append([]error(nil), e.q.pendErrs...)
	e.q.pendErrs = e.q.pendErrs[:0]
	e.mu.Unlock()
	n.reported = cur

	if e.set.onDrop != nil {
		for _, r := range reports {
			n.call(func() { e.set.onDrop(r) })
		}
	}
	if e.set.onError != nil {
		for _, err := range errs {
			n.call(func() { e.set.onError(err) })
		}
	}
}

// call runs a callback, recovering and counting a panic.
func (n *notifier) call(f func()) {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return
	}
	n.running = true
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.running = false
		n.mu.Unlock()
	}()
	defer func() {
		if r := recover(); r != nil {
			n.panics.Add(1)
			n.e.log.Error("telemetry: callback panicked", slog.Any("panic", r))
		}
	}()
	f()
}
