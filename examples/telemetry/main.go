// Command telemetry tracks -events N events through a signing
// telemetry.Emitter, closes it and prints its stats. It exits non-zero
// unless the server accepted every event.
//
// With no configuration it starts an embedded pectatest server. With
// PECTA_API_KEY (and optionally PECTA_SECRET_KEY, PECTA_BASE_URL) set it
// talks to that server instead.
//
//	go run ./examples/telemetry -events 5000
//
// With -spool DIR the emitter spools batches to DIR before sending them, and
// first delivers what an earlier run left there. -outage takes the embedded
// server down, so everything stays in the spool; -hold then waits after the
// events are on disk, to be killed (kill -9 loses nothing). -kill sends
// itself SIGKILL as soon as the last Track returns, with no SyncSpool and no
// Close: on Linux nothing is lost either (the spool's arena holds what the
// spooler has not written yet). SIGTERM and SIGINT close the emitter with a
// 5 s deadline (telemetry.CloseOnSignal).
//
//	go build -o /tmp/tel ./examples/telemetry
//	/tmp/tel -spool /tmp/spool -outage -hold -events 20000 & sleep 3; kill -9 $!
//	/tmp/tel -spool /tmp/spool -events 0    # delivers the 20,000 events
//	/tmp/tel -spool /tmp/spool -outage -kill -events 20000   # exit 137
//	/tmp/tel -spool /tmp/spool -events 0    # delivers them too
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/pecta-ai/pecta-go/examples/internal/demo"
	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "telemetry example:", err)
		os.Exit(1)
	}
}

func run() error {
	events := flag.Int("events", 5000, "number of events to track")
	spool := flag.String("spool", "", "spool directory: batches survive a crash or restart")
	outage := flag.Bool("outage", false, "with -spool: take the embedded server down, keep everything in the spool")
	hold := flag.Bool("hold", false, "with -outage: wait after spooling, to be killed")
	kill := flag.Bool("kill", false, "with -outage: SIGKILL this process as soon as the last Track returns (no SyncSpool, no Close)")
	flag.Parse()
	if *events < 0 {
		return fmt.Errorf("-events must be >= 0")
	}
	if (*outage || *hold || *kill) && *spool == "" {
		return fmt.Errorf("-outage, -hold and -kill need -spool")
	}

	var opts []pectatest.Option
	if *spool != "" {
		// the spool records which keys signed a batch: the embedded server
		// keeps the same keys from run to run so the next run can deliver
		opts = append(opts, pectatest.WithKeys(examplePK, exampleSK))
	}
	env := demo.Setup(os.Stdout, opts...)
	defer env.Close()
	cfg := telemetry.Config{
		PublishableKey: telemetry.NewKey(env.PublishableKey),
		SecretKey:      telemetry.NewKey(env.SecretKey),
		BaseURL:        env.BaseURL,
		SpoolDir:       *spool,
	}
	srv := env.Server // nil against a real server
	if cfg.SecretKey.IsZero() {
		return fmt.Errorf("signing needs PECTA_SECRET_KEY")
	}
	if *outage && srv != nil {
		srv.Down()
		fmt.Println("embedded server is down (-outage)")
	}

	em, err := telemetry.New(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("emitter: %v\n", em) // keys print as previews
	closed, stop := telemetry.CloseOnSignal(em, 5*time.Second)
	defer stop()
	replayed := em.Stats().Replayed
	if *spool != "" {
		fmt.Printf("spool %s: %d events left by an earlier run\n", *spool, replayed)
	}

	start := time.Now()
	ev := &pecta.Event{
		Gates: []pecta.GateResult{
			{Name: "filesystem", Passed: true, LatencyMS: 0.4},
			{Name: "pii", Passed: true, LatencyMS: 1.2},
			{Name: "content", Passed: true, LatencyMS: 3.1},
		},
		Passed: true,
	}
	for i := range *events {
		ev.AgentID = "example-agent-" + strconv.Itoa(i%10)
		ev.Tool = "search"
		ev.TotalLatencyMS = float64(5 + i%7)
		if err := em.Track(ev); errors.Is(err, telemetry.ErrClosed) {
			fmt.Printf("signal after %d events: closing\n", i)
			err := <-closed
			fmt.Printf("closed: %v\nstats: %v\n", err, em.Stats())
			return err
		} else if err != nil {
			return fmt.Errorf("track %d: %w", i, err)
		}
	}
	tracked := time.Since(start)

	if *kill {
		// Whatever the spooler has not written yet is in the arena
		// (SpoolDir/arena.mmap on Linux): the next run delivers it.
		st := em.Stats()
		fmt.Printf("%d events tracked in %v, %d of them spooled so far; SIGKILL now\n",
			*events, tracked.Round(time.Microsecond), st.SpooledEvents)
		p, err := os.FindProcess(os.Getpid())
		if err != nil {
			return err
		}
		if err := p.Kill(); err != nil {
			return err
		}
		select {}
	}
	if *outage {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := em.SyncSpool(ctx); err != nil {
			return err
		}
		st := em.Stats()
		fmt.Printf("%d events tracked in %v, all on disk: %d events (%d bytes) in %s\n",
			*events, tracked.Round(time.Microsecond), st.SpooledEvents, st.SpooledBytes, *spool)
		if *hold {
			fmt.Printf("holding (pid %d): kill -9 loses nothing from here on\n", os.Getpid())
			return <-closed // SIGTERM/SIGINT: close, keeping the rest in the spool
		}
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
		defer cancel2()
		err := em.Close(ctx2) // the server is down: what is left stays in the spool
		fmt.Printf("closed (%v): stats: %v\n", err, em.Stats())
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	closeErr := em.Close(ctx)
	st := em.Stats()
	fmt.Printf("tracked %d events in %v (%.0f ns/event), closed after %v\n",
		*events, tracked.Round(time.Microsecond), float64(tracked.Nanoseconds())/float64(max(*events, 1)),
		time.Since(start).Round(time.Millisecond))
	fmt.Printf("stats: %v\n", st)
	if closeErr != nil {
		return closeErr
	}
	if st.Sent != uint64(*events)+replayed || st.Dropped != 0 {
		return fmt.Errorf("server accepted %d of %d events", st.Sent, uint64(*events)+replayed)
	}
	if replayed > 0 {
		fmt.Printf("delivered %d events replayed from the spool and %d new ones\n", replayed, *events)
	}
	if srv != nil {
		*events += int(replayed)
		got := srv.Ingested()
		signed := 0
		for _, r := range srv.Requests() {
			if r.Path == "/v1/ingest" && r.SignatureValid {
				signed++
			}
		}
		fmt.Printf("server side: %d events ingested in %d signed batches, every signature verified\n", len(got), signed)
		if len(got) != *events || uint64(signed) != st.Batches {
			return fmt.Errorf("server ingested %d events in %d verified batches, want %d in %d",
				len(got), signed, *events, st.Batches)
		}
	}
	fmt.Println("ok: every event was accepted")
	return nil
}

// Fixed keys for the embedded server with -spool (they are only valid on
// that server).
const (
	examplePK = "pk_live_exampleSpoolPublishable000000001"
	exampleSK = "sk_live_exampleSpoolSecret00000000000001"
)
