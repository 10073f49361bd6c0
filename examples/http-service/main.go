// Command http-service is an HTTP service that tracks one telemetry event per
// request, and shows the order in which such a service shuts down:
//
//  1. SIGTERM or SIGINT (Ctrl-C) ends the context from signal.NotifyContext;
//  2. srv.Shutdown stops accepting requests and waits for the handlers in
//     flight, which keep tracking events until they return;
//  3. only then em.Close delivers what was tracked, within what is left of
//     the same deadline.
//
// Closing the emitter before the server has drained its handlers would
// refuse the events of the last requests (Track after Close returns
// telemetry.ErrClosed).
//
// So that it runs unattended (and in CI), the program sends requests to
// itself from -clients goroutines and shuts down after -duration as if it
// had received a signal; -duration 0 serves until a signal. It prints each
// step of the shutdown, and exits non-zero if Shutdown missed its deadline,
// Close reports undelivered events, or a handler's Track failed.
//
//	go run ./examples/http-service
//	go run ./examples/http-service -addr localhost:8080 -clients 0 -duration 0   # curl localhost:8080/bid, then Ctrl-C
//
// With no configuration it starts an embedded pectatest server. With
// PECTA_API_KEY (and optionally PECTA_SECRET_KEY, PECTA_BASE_URL) set it
// sends the events to that server instead.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pecta-ai/pecta-go/examples/internal/demo"
	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "http-service:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "localhost:0", "listen address (port 0: any free port)")
	duration := flag.Duration("duration", 2*time.Second, "shut down after this long, as on a signal (0: only on a signal)")
	clients := flag.Int("clients", 4, "goroutines sending requests to the service until it shuts down")
	work := flag.Duration("work", 50*time.Millisecond, "how long each request's handler works before it tracks its event")
	flag.Parse()

	env := demo.Setup(os.Stdout)
	defer env.Close()
	client, err := env.Client()
	if err != nil {
		return err
	}
	em, err := telemetry.NewFromClient(client, telemetry.Config{}) // production defaults
	if err != nil {
		return err
	}

	var inFlight, served, trackErrs atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bid", func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		start := time.Now()
		time.Sleep(*work) // stands in for the handler's real work
		err := em.Track(&pecta.Event{
			AgentID:        "http-service",
			Tool:           "bid",
			Passed:         true,
			TotalLatencyMS: float64(time.Since(start).Microseconds()) / 1000,
		})
		if err != nil {
			trackErrs.Add(1)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		served.Add(1)
		fmt.Fprintln(w, "ok")
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, *duration, fmt.Errorf("-duration %v elapsed", *duration))
		defer cancel()
	}
	url := "http://" + ln.Addr().String() + "/bid"
	fmt.Printf("serving %s; %d clients send requests; SIGTERM or Ctrl-C shuts down", url, *clients)
	if *duration > 0 {
		fmt.Printf(", as does the end of -duration %v", *duration)
	}
	fmt.Println()
	clientErrs := make(chan error, *clients)
	var wg sync.WaitGroup
	for range *clients {
		wg.Go(func() { clientErrs <- drive(ctx, url) })
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return err
	}
	stop() // from here on, a second Ctrl-C exits at once
	fmt.Printf("shutting down (%v)\n", context.Cause(ctx))

	// One deadline for the whole sequence: what Shutdown leaves is Close's.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t0 := time.Now()
	fmt.Printf("1. srv.Shutdown: no new requests; waiting for the %d in flight\n", inFlight.Load())
	shutdownErr := srv.Shutdown(sctx) // the emitter is closed even if this fails
	<-serveErr                        // http.ErrServerClosed
	fmt.Printf("2. srv.Shutdown returned %v after %v: %d requests served, %d Track errors\n",
		shutdownErr, time.Since(t0).Round(time.Millisecond), served.Load(), trackErrs.Load())
	t1 := time.Now()
	closeErr := em.Close(sctx) // delivers what the handlers tracked, the last ones included
	st := em.Stats()
	fmt.Printf("3. em.Close returned %v after %v: %d events delivered, %d dropped %v\n",
		closeErr, time.Since(t1).Round(time.Millisecond), st.Sent, st.Dropped, st.DroppedByReason)
	if err := errors.Join(shutdownErr, closeErr); err != nil {
		return err // closeErr is a *telemetry.UndeliveredError: events were lost
	}

	// The rest checks what the example claims.
	if n := trackErrs.Load(); n > 0 {
		return fmt.Errorf("%d requests could not track their event", n)
	}
	if kept := uint64(served.Load()) - st.DroppedByReason[telemetry.ReasonSampled]; st.Sent != kept {
		return fmt.Errorf("%d events kept, %d delivered", kept, st.Sent)
	}
	wg.Wait()
	close(clientErrs)
	for err := range clientErrs {
		if err != nil {
			return err
		}
	}
	if served.Load() == 0 {
		return errors.New("no request was served")
	}
	if env.Embedded() {
		got := len(env.Server.Ingested())
		fmt.Printf("the embedded server received %d events\n", got)
		if got < int(st.Sent) {
			return fmt.Errorf("the server received %d events, the emitter says it delivered %d", got, st.Sent)
		}
	}
	fmt.Println("ok: Shutdown drained the handlers, then Close delivered their events")
	return nil
}

// drive plays a client of the service: it sends requests one after another
// until ctx ends, and lets the last one finish, as a client would.
func drive(ctx context.Context, url string) error {
	for ctx.Err() == nil {
		resp, err := http.Get(url)
		if err != nil {
			if ctx.Err() != nil {
				return nil // the service is shutting down
			}
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
	}
	return nil
}
