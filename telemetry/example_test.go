package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// A complete life cycle against an in-process test server. In production,
// leave BaseURL empty and read the keys from the environment:
//
//	PublishableKey: pecta.NewAPIKey(os.Getenv("PECTA_API_KEY")),
//	SecretKey:      pecta.NewAPIKey(os.Getenv("PECTA_SECRET_KEY")),
func ExampleNew() {
	srv := pectatest.NewServer()
	defer srv.Close()

	em, err := telemetry.New(telemetry.Config{
		PublishableKey: srv.PublishableKey,
		SecretKey:      srv.SecretKey, // optional: signs every batch
		BaseURL:        srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 3 {
		err := em.Track(&pecta.Event{
			AgentID: "bidder-7",
			Passed:  true,
			Gates:   []pecta.GateResult{{Name: "budget", Passed: true, LatencyMS: 0.2}},
			Tool:    fmt.Sprint("bid-", i),
		})
		if err != nil {
			fmt.Println(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := em.Close(ctx); err != nil { // delivers what is queued
		fmt.Println(err)
	}
	st := em.Stats()
	fmt.Printf("tracked %d, sent %d, dropped %d\n", st.Tracked, st.Sent, st.Dropped)
	fmt.Println("server stored", len(srv.Ingested()), "events")
	// Output:
	// tracked 3, sent 3, dropped 0
	// server stored 3 events
}

// An emitter built from a client shares its keys, base URL and HTTP
// client: credentials are configured once.
func ExampleNewFromClient() {
	srv := pectatest.NewServer()
	defer srv.Close()
	client, err := pecta.NewClient(srv.PublishableKey.Reveal(),
		pecta.WithBaseURL(srv.URL), pecta.WithSecretKey(srv.SecretKey.Reveal()))
	if err != nil {
		fmt.Println(err)
		return
	}

	em, err := telemetry.NewFromClient(client, telemetry.Config{FlushInterval: time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = em.Track(&pecta.Event{AgentID: "bidder-7", Passed: true})
	if err := em.Close(context.Background()); err != nil {
		fmt.Println(err)
	}
	in := srv.Requests()[0]
	fmt.Println(in.Path, "signed:", in.SignatureValid)
	// Output:
	// /v1/ingest signed: true
}

// A key the server refuses is reported by the first Flush (and by Close),
// through OnError once, and logged at ERROR level even without a Logger
// (to slog.Default). Events are never lost silently.
func ExampleEmitter_Flush() {
	srv := pectatest.NewServer()
	defer srv.Close()

	em, err := telemetry.New(telemetry.Config{
		PublishableKey: pecta.NewAPIKey("pk_live_00000000000000000000000000000000"), // well formed, unknown
		BaseURL:        srv.URL,
		Logger:         slog.New(slog.DiscardHandler), // keep the example's output clean
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer em.Close(context.Background())
	_ = em.Track(&pecta.Event{AgentID: "bidder-7", Passed: true})

	err = em.Flush(context.Background())
	var ue *telemetry.UndeliveredError
	if errors.As(err, &ue) {
		fmt.Println("undelivered:", ue.Events, ue.ByReason)
	}
	fmt.Println("key rejected:", errors.Is(err, telemetry.ErrKeyRejected))
	fmt.Println("unknown key:", errors.Is(err, pecta.ErrAuthInvalid))
	// Output:
	// undelivered: 1 map[rejected:auth_invalid:1]
	// key rejected: true
	// unknown key: true
}
