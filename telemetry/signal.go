package telemetry

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// CloseOnSignal closes em when the process receives SIGTERM or SIGINT (or
// the signals given instead), giving Close at most timeout, and then sends
// Close's result on the returned channel (which is closed after it). This
// is what makes a deploy or an orchestrator's SIGTERM deliver the backlog:
// without a handler the process dies at once and a deferred Close never
// runs. The signals are caught only until the first one arrives, so a
// second SIGTERM or Ctrl-C ends the process the default way.
//
// The caller decides what happens next, typically exiting:
//
//	closed, stop := telemetry.CloseOnSignal(em, 5*time.Second)
//	defer stop()
//	...
//	if err := <-closed; err != nil { log.Print(err) }
//	os.Exit(0)
//
// stop unregisters the handler without closing em; it waits for a Close
// already under way to return and is safe to call more than once. With a
// spool (Config.SpoolDir) whatever Close could not deliver by the deadline
// stays in the spool for the next process.
func CloseOnSignal(em *Emitter, timeout time.Duration, sigs ...os.Signal) (closed <-chan error, stop func()) {
	if len(sigs) == 0 {
		sigs = []os.Signal{syscall.SIGTERM, os.Interrupt}
	}
	sigCh := make(chan os.Signal, 1)
	signal.Notify(sigCh, sigs...)
	out := make(chan error, 1)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		select {
		case <-sigCh:
			signal.Stop(sigCh)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			out <- em.Close(ctx)
		case <-quit:
			signal.Stop(sigCh)
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() { close(quit) })
		<-done
	}
}
