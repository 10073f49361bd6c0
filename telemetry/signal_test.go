//go:build unix

package telemetry

import (
	"os"
	"syscall"
	"testing"
	"time"
)

func TestCloseOnSignal(t *testing.T) {
	srv := newServer(t)
	e := mustNew(t, fastConfig(srv))
	for i := range 150 {
		if err := e.Track(event("signal", i)); err != nil {
			t.Fatal(err)
		}
	}
	closed, stop := CloseOnSignal(e, 5*time.Second, syscall.SIGUSR1)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if !e.closed.Load() || len(srv.Ingested()) != 150 {
		t.Fatalf("closed=%v server got %d", e.closed.Load(), len(srv.Ingested()))
	}
	stop()

	// stop without a signal leaves the emitter open
	e2 := mustNew(t, fastConfig(srv))
	_, stop2 := CloseOnSignal(e2, time.Second)
	stop2()
	if e2.closed.Load() {
		t.Fatal("stop closed the emitter")
	}
}
