// Command restart shows the disk spool surviving an outage and a kill:
// events tracked while the server is down stay in the spool directory, and
// the next run on the same directory delivers them first. It runs against
// an embedded pectatest server (fixed keys, so that runs agree) and exits
// non-zero when an event is lost.
//
//	cd telemetry/spool && go run ./examples/restart             # outage, kill, restart: all delivered
//	go run ./examples/restart -dir /tmp/spool -outage -kill     # exit 137: the events wait in /tmp/spool
//	go run ./examples/restart -dir /tmp/spool -events 0         # delivers them
//
// With -kill the process sends itself SIGKILL as soon as the last Track
// returns, with no SyncSpool and no Close: on Linux nothing is lost (the
// events the spooler has not written yet are in the spool's arena).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/spool"
)

// Fixed keys of the embedded server, valid only there.
const (
	examplePK = "pk_live_exampleSpoolPublishable000000001"
	exampleSK = "sk_live_exampleSpoolSecret00000000000001"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "restart example:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "", "spool directory (default: a new temporary one, for the whole sequence)")
	events := flag.Int("events", 20000, "events to track")
	outage := flag.Bool("outage", false, "keep the server down: everything stays in the spool")
	kill := flag.Bool("kill", false, "with -outage: SIGKILL this process when the last Track returns")
	flag.Parse()
	if *dir == "" { // the whole sequence, in child processes
		return sequence(*events)
	}
	srv := pectatest.NewServer(pectatest.WithKeys(examplePK, exampleSK), pectatest.WithoutRateLimits())
	defer srv.Close()
	if *outage {
		srv.Down()
	}
	st, err := spool.Open(*dir, nil)
	if err != nil {
		return err
	}
	em, err := telemetry.New(telemetry.Config{
		PublishableKey:    pecta.NewAPIKey(examplePK),
		SecretKey:         pecta.NewAPIKey(exampleSK),
		BaseURL:           srv.URL,
		SampleRate:        1, // keep every event
		RequestsPerMinute: -1,
		Spool:             st,
	})
	if err != nil {
		st.Close()
		return err
	}
	replayed := em.Stats().Replayed
	fmt.Printf("spool %s: %d events left by an earlier run\n", *dir, replayed)
	for i := range *events {
		ev := pecta.Event{AgentID: "restart-agent", Tool: "tool-" + strconv.Itoa(i), Passed: true,
			Gates: []pecta.GateResult{{Name: "budget", Passed: true, LatencyMS: 0.3}}}
		if err := em.Track(&ev); err != nil {
			return err
		}
	}
	if *kill {
		fmt.Printf("%d events tracked, %d of them spooled so far: SIGKILL\n", *events, em.Stats().SpooledEvents)
		p, _ := os.FindProcess(os.Getpid())
		_ = p.Kill()
		select {}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if *outage {
		if err := em.SyncSpool(ctx); err != nil {
			return err
		}
		fmt.Printf("%d events on disk, server down\n", em.Stats().SpooledEvents)
		quick, stop := context.WithTimeout(ctx, time.Second)
		defer stop()
		return em.Close(quick) // the rest stays in the spool: Close returns nil
	}
	if err := em.Close(ctx); err != nil {
		return err
	}
	s := em.Stats()
	fmt.Printf("delivered %d events (%d replayed from the spool), %d dropped\n", s.Sent, s.Replayed, s.Dropped)
	if want := uint64(*events) + replayed; s.Sent != want || len(srv.Ingested()) != int(want) {
		return fmt.Errorf("delivered %d of %d events", s.Sent, want)
	}
	return nil
}

// sequence runs the example three times on one directory: an outage, an
// outage ended by SIGKILL, and a restart that must deliver both.
func sequence(events int) error {
	dir, err := os.MkdirTemp("", "pecta-spool-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	step := func(args ...string) error {
		cmd := exec.Command(self, append([]string{"-dir", dir}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd.Run()
	}
	n := strconv.Itoa(events)
	fmt.Println("1. outage: track", n, "events, close")
	if err := step("-outage", "-events", n); err != nil {
		return err
	}
	fmt.Println("2. outage: track", n, "more, SIGKILL")
	if err := step("-outage", "-kill", "-events", n); err == nil {
		return fmt.Errorf("the killed run exited 0")
	}
	fmt.Println("3. restart, server up: everything left must be delivered")
	if err := step("-events", "0"); err != nil {
		return err
	}
	fmt.Println("ok: nothing was lost")
	return nil
}
