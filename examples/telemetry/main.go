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
// SIGTERM or SIGINT (Ctrl-C) stops tracking and closes the emitter with a
// 5 s deadline, the way a service shuts down. The disk spool has an example
// of its own, in its module: telemetry/spool/examples/restart.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/pecta-ai/pecta-go/examples/internal/demo"
	"github.com/pecta-ai/pecta-go/pecta"
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
	flag.Parse()
	if *events < 0 {
		return fmt.Errorf("-events must be >= 0")
	}

	env := demo.Setup(os.Stdout)
	defer env.Close()
	cfg := telemetry.Config{
		PublishableKey: pecta.NewAPIKey(env.PublishableKey),
		SecretKey:      pecta.NewAPIKey(env.SecretKey),
		BaseURL:        env.BaseURL,
		// keep every event: the example checks that each one arrives (by
		// default the emitter samples to what the org's budget carries)
		SampleRate: 1,
	}
	srv := env.Server // nil against a real server
	if cfg.SecretKey.IsZero() {
		return fmt.Errorf("signing needs PECTA_SECRET_KEY")
	}

	em, err := telemetry.New(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("emitter: %v\n", em) // keys print as previews
	// SIGTERM or Ctrl-C ends the loop below; Close then drains with a deadline
	sigCtx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

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
		if sigCtx.Err() != nil {
			fmt.Printf("signal after %d events: closing\n", i)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := em.Close(ctx)
			fmt.Printf("closed: %v\nstats: %v\n", err, em.Stats())
			return err
		}
		if err := em.Track(ev); err != nil {
			return fmt.Errorf("track %d: %w", i, err)
		}
	}
	tracked := time.Since(start)

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
	if st.Sent != uint64(*events) || st.Dropped != 0 {
		return fmt.Errorf("server accepted %d of %d events", st.Sent, *events)
	}
	if srv != nil {
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
