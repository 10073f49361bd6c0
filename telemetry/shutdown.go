package telemetry

import (
	"cmp"
	"context"
	"fmt"
)

// Flush seals every partial batch and waits until all events queued before
// the call are delivered or dropped, or ctx ends (it then returns ctx's
// error; delivery continues in the background). Drops are reported through
// Stats and OnDrop. Flush after Close returns ErrClosed.
func (e *Emitter) Flush(ctx context.Context) error {
	if e.closed.Load() {
		return ErrClosed
	}
	target := e.sealAll()
	for {
		e.mu.Lock()
		oldest := e.q.oldestUnfinished()
		if oldest == 0 || oldest > target {
			e.mu.Unlock()
			return nil
		}
		ch := e.q.waitChan()
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops intake (Track then returns ErrClosed), seals what is
// buffered and delivers it, retrying as configured, until everything is
// delivered or dropped or ctx ends. When ctx ends first, requests in flight
// are aborted and every event not yet delivered is dropped with reason
// "shutdown". Close returns an *UndeliveredError when events tracked before
// it could not be delivered, nil otherwise, and nil when called again. No
// goroutine of the emitter survives Close, except a callback (OnDrop,
// OnError) still running at ctx's deadline: Close then returns an error
// saying so, runs no further callback, and the goroutine ends when the
// callback returns. Callbacks must not call Close.
func (e *Emitter) Close(ctx context.Context) error {
	e.mu.Lock()
	droppedBefore := e.q.dropTotal
	e.mu.Unlock()
	if !e.closed.CompareAndSwap(false, true) {
		return nil
	}
	e.sealAll()
	close(e.draining)

	done := make(chan struct{})
	go func() {
		e.senders.Wait()
		close(done)
	}()
	var ctxErr error
	select {
	case <-done:
	case <-ctx.Done():
		ctxErr = ctx.Err()
		e.cancelCtx() // aborts requests, pacing and backoff waits
		<-done
	}
	e.cancelCtx()

	e.mu.Lock()
	for b := e.q.popHead(); b != nil; b = e.q.popHead() {
		e.queued.Add(-b.bytes)
		e.q.drop(ReasonShutdown, uint64(b.n), ctxErr)
		e.q.completed(b)
		e.q.recycle(b)
	}
	undelivered := e.q.dropTotal - droppedBefore
	e.mu.Unlock()
	close(e.stopLoop)
	<-e.clockDone
	// The loop ends after a last report to the callbacks. A callback that
	// does not return by ctx's deadline is not waited for: the loop
	// goroutine then ends when it returns, and no further callback runs.
	var stuck error
	select {
	case <-e.loopDone:
	case <-ctx.Done():
		if e.notif.stop() {
			stuck = fmt.Errorf("telemetry: close: OnDrop or OnError still running at the deadline: %w", ctx.Err())
		} else {
			<-e.loopDone // no callback running, and none can start: prompt
		}
	}

	if undelivered > 0 {
		return &UndeliveredError{Events: undelivered, Err: cmp.Or(ctxErr, stuck)}
	}
	return stuck
}

// UndeliveredError is returned by Close when events tracked before Close
// were dropped instead of delivered (see Stats.DroppedByReason for why).
type UndeliveredError struct {
	Events uint64 // events dropped while closing
	Err    error  // ctx's error when the deadline cut delivery short, else nil
}

func (e *UndeliveredError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("telemetry: close: %d events undelivered: %v", e.Events, e.Err)
	}
	return fmt.Sprintf("telemetry: close: %d events undelivered", e.Events)
}

// Unwrap returns ctx's error, if any.
func (e *UndeliveredError) Unwrap() error { return e.Err }
