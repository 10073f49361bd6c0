// Command telemetry is the smallest complete use of the telemetry package:
// it tracks -events N events through a signing telemetry.Emitter, closes it
// and prints its stats. It exits non-zero unless the server accepted every
// event (and, on the embedded server, verified the signature of every
// batch).
//
// With no configuration it starts an embedded pectatest server. With
// PECTA_API_KEY and PECTA_SECRET_KEY (and optionally PECTA_BASE_URL) set
// it talks to that server instead.
//
//	go run ./examples/telemetry -events 5000
//
// It keeps every event (SampleRate: 1), since it checks that each one
// arrives. Against the embedded server it also sends unpaced, to a server
// without rate limits, so that it finishes at once; against a real server
// it keeps the default pacing (500 requests per minute, the documented
// limit). How a service closes its emitter on SIGTERM is shown in
// examples/http-service; the disk spool has an example of its own, in its
// module: telemetry/spool/examples/restart.
package main

import (
	"context"
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
	flag.Parse()
	if *events < 0 {
		return fmt.Errorf("-events must be >= 0")
	}

	env := demo.Setup(os.Stdout, pectatest.WithoutRateLimits())
	defer env.Close()
	cfg := telemetry.Config{
		PublishableKey: pecta.NewAPIKey(env.PublishableKey),
		SecretKey:      pecta.NewAPIKey(env.SecretKey),
		BaseURL:        env.BaseURL,
		// Keep every event: the example checks that each one arrives. By
		// default the emitter samples down to what the organisation's
		// ingest budget carries.
		SampleRate: 1,
	}
	srv := env.Server // nil against a real server
	if srv != nil {
		// The embedded server enforces no rate limit here: send unpaced
		// rather than at the 500 requests per minute a real server allows.
		cfg.RequestsPerMinute = -1
	}
	if cfg.SecretKey.IsZero() {
		return fmt.Errorf("signing needs PECTA_SECRET_KEY")
	}

	em, err := telemetry.New(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("emitter: %v\n", em) // keys print as previews

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
			if r.Path == "/v1/ingest" && r.Status/100 == 2 && r.SignatureValid {
				signed++
			}
		}
		fmt.Printf("server side: %d events ingested in %d accepted batches with a valid signature (the emitter sent %d)\n", len(got), signed, st.Batches)
		if len(got) != *events || uint64(signed) != st.Batches {
			return fmt.Errorf("server ingested %d events in %d verified batches, want %d in %d",
				len(got), signed, *events, st.Batches)
		}
	}
	fmt.Println("ok: every event was accepted")
	return nil
}
