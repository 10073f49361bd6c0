package telemetry

import (
	"cmp"
	"context"
	"fmt"
)

// Flush sends every partial batch and waits until the events queued before
// the call are delivered or dropped, or ctx ends. It returns nil when
// nothing was lost since the previous Flush, else an *UndeliveredError,
// ctx's error, or ErrClosed after Close.
func (e *Emitter) Flush(ctx context.Context) error {
	if ctx == nil {
		return errNilContext("flush")
	}
	if e.nop {
		return nil
	}
	if e.closed.Load() {
		return ErrClosed
	}
	e.mu.Lock()
	from := e.life.flushMark
	e.mu.Unlock()
	target := e.sealAll()
	ctxErr := e.waitFor(ctx, func() (bool, error) {
		oldest := e.oldestUnfinished() // spool.go: spooled batches too
		return oldest == 0 || oldest > target, nil
	})
	e.mu.Lock()
	now := e.markLocked()
	if now.total > e.life.flushMark.total {
		e.life.flushMark = now
	}
	last := e.life.lastDropErr
	e.mu.Unlock()
	if n, by := from.since(now); n > 0 {
		return &UndeliveredError{Op: "flush", Events: n, ByReason: by, Err: ctxErr, Last: last}
	}
	return ctxErr
}

// waitFor waits until done, called under e.mu after every batch that
// completes, reports true, and returns its error; or until ctx ends
// (ctx's error), or a concurrent Close has finished (ErrClosed: what is
// left will not move in this process; with a spool it stays on disk for
// the next one).
func (e *Emitter) waitFor(ctx context.Context, done func() (bool, error)) error {
	closing := false
	for {
		e.mu.Lock()
		ok, err := done()
		if ok || closing {
			e.mu.Unlock()
			if !ok {
				err = ErrClosed
			}
			return err
		}
		ch := e.q.waitChan()
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-e.life.closeDone:
			closing = true // look once more, then give up
		}
	}
}

// Close stops intake and delivers what is buffered, retrying quickly, until
// everything is delivered or dropped or ctx ends; what is left is then
// dropped as "shutdown" (with a spool it stays there: not a loss). It
// returns nil only when every event Track accepted was delivered, else an
// *UndeliveredError covering every loss of the emitter's life; every call
// gets the same outcome. No goroutine survives Close.
func (e *Emitter) Close(ctx context.Context) error {
	if ctx == nil {
		return errNilContext("close")
	}
	if e.nop {
		return nil
	}
	if !e.closed.CompareAndSwap(false, true) {
		select {
		case <-e.life.closeDone:
			return e.life.closeErr
		case <-ctx.Done():
			return fmt.Errorf("telemetry: close: waiting for a concurrent Close: %w", ctx.Err())
		}
	}
	e.life.closeErr = e.close(ctx)
	close(e.life.closeDone)
	return e.life.closeErr
}

func (e *Emitter) close(ctx context.Context) error {
	e.sealAll()
	_, e.life.closeDeadline = ctx.Deadline() // read after draining is closed (sender.go)
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
	if e.life.ownHTTP != nil {
		// keep-alive connections (and their two goroutines each) would
		// otherwise outlive Close by the transport's idle timeout
		e.life.ownHTTP.CloseIdleConnections()
	}

	e.mu.Lock()
	e.collect()
	for e.q.arena == nil { // arena.go: with an arena, batches stay there for the next process
		b := e.q.popHead()
		if b == nil {
			break
		}
		e.dropListed(b, ReasonShutdown, ctxErr)
	}
	lost := e.markLocked()
	last := e.life.lastDropErr
	e.mu.Unlock()
	e.closeSpool() // spool.go: what is left stays for the next process
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

	if lost.total > 0 {
		return &UndeliveredError{Op: "close", Events: lost.total, ByReason: lost.byReason, Err: cmp.Or(ctxErr, stuck), Last: last}
	}
	return stuck
}
