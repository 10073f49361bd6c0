package pectatest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// A test server that fails the first ingest attempt with 503, then accepts the retry.
func ExampleNewServer() {
	srv := pectatest.NewServer()
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	srv.FailNext(1, http.StatusServiceUnavailable, 2*time.Second)

	body := `{"events":[{"agent_id":"bidder-1","passed":true,"total_latency_ms":4}]}`
	for attempt := 1; attempt <= 2; attempt++ {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/ingest", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.PublishableKey.Reveal())
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		fmt.Printf("attempt %d: %d retry-after=%q\n", attempt, res.StatusCode, res.Header.Get("Retry-After"))
	}
	fmt.Println("ingested:", len(srv.Ingested()), "agent:", srv.Ingested()[0].AgentID)
	// Output:
	// attempt 1: 503 retry-after="2"
	// attempt 2: 202 retry-after=""
	// ingested: 1 agent: bidder-1
}

// A client for the server: its URL, the publishable key, and the secret key to sign
// ingest.
func ExampleServer_Client() {
	srv := pectatest.NewServer()
	defer srv.Close() // also closes the client's idle connections
	c := srv.Client()

	ctx := context.Background()
	_, err := c.Ingest(ctx, []pecta.Event{{AgentID: "bidder-1", Passed: true, TotalLatencyMS: 4}})
	fmt.Println("ingest:", err)
	rep, err := c.Reputation(ctx, "bidder-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("evaluations:", rep.Evaluations, "signed batches:", srv.Stats().SignedBatches)
	// Output:
	// ingest: <nil>
	// evaluations: 1 signed batches: 1
}

// A fault aimed at one route: the reputation call is not affected, the first ingest
// request fails with 503 and the client's retry succeeds.
func ExampleServer_On() {
	srv := pectatest.NewServer()
	defer srv.Close()
	c := srv.Client(pecta.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	ctx := context.Background()

	srv.On("POST /v1/ingest").FailNext(1, http.StatusServiceUnavailable, 0)

	_, err := c.Reputation(ctx, "bidder-1")
	fmt.Println("reputation:", err)
	_, err = c.Ingest(ctx, []pecta.Event{{AgentID: "bidder-1", Passed: true}})
	fmt.Println("ingest:", err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// reputation: <nil>
	// ingest: <nil>
	// GET /v1/reputation/bidder-1 200
	// POST /v1/ingest 503
	// POST /v1/ingest 202
}

// An emitter for the server that keeps and delivers every event at once: no sampling, no
// pacing, a short flush interval. With a default telemetry.Config the same 20,000 events
// would be sampled down to what the production ingest budget carries, and paced.
func ExampleServer_EmitterConfig() {
	srv := pectatest.NewServer()
	defer srv.Close() // also closes the emitter's idle connections

	em, err := telemetry.New(srv.EmitterConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer em.Close(context.Background())
	for i := range 20000 {
		ev := &pecta.Event{AgentID: "bidder-1", Tool: fmt.Sprint("bid-", i), Passed: true}
		if err := em.Track(ev); err != nil {
			fmt.Println(err)
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := em.Flush(ctx); err != nil {
		fmt.Println(err)
		return
	}
	st := em.Stats()
	fmt.Println("sent:", st.Sent, "dropped:", st.Dropped)
	fmt.Println("ingested:", len(srv.Ingested()), "signed batches:", srv.Stats().SignedBatches > 0)
	// Output:
	// sent: 20000 dropped: 0
	// ingested: 20000 signed batches: true
}
