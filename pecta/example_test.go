package pecta_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

func ExampleNewClient() {
	// A malformed key is caught locally; the error never contains the key.
	_, err := pecta.NewClient("pk_live_not-a-real-key")
	fmt.Println(err)

	srv := pectatest.NewServer()
	defer srv.Close()
	c, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Health(context.Background()))
	// Output:
	// pecta: malformed api key: wrong length: want prefix plus 32 characters
	// <nil>
}

func ExampleClient_Evaluate() {
	srv := pectatest.NewServer()
	defer srv.Close()
	c := srv.Client()

	ev, err := c.Evaluate(context.Background(), pecta.EvaluateRequest{
		AgentID: "ops-agent",
		Tool:    "shell",
		Output:  map[string]string{"command": "rm -rf /"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("passed:", ev.Passed)
	for _, g := range ev.Gates {
		fmt.Printf("%s passed=%v\n", g.Name, g.Passed)
	}
	// Output:
	// passed: false
	// filesystem passed=false
	// pii passed=true
	// content passed=true
}

func ExampleClient_Ingest() {
	srv := pectatest.NewServer()
	defer srv.Close()
	c := srv.Client() // the server's publishable key; signs with its secret key

	res, err := c.Ingest(context.Background(), []pecta.Event{{
		AgentID:        "bidder-7",
		Tool:           "bid",
		Passed:         true,
		TotalLatencyMS: 3.2,
		Gates:          []pecta.GateResult{{Name: "budget", Passed: true, LatencyMS: 0.1}},
	}})
	if err != nil {
		panic(err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	fmt.Println("accepted:", res.Accepted, "signature verified:", last.SignatureValid)
	// Output: accepted: 1 signature verified: true
}

func ExampleEventsService_All() {
	srv := pectatest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	t0 := time.Date(2026, 5, 7, 14, 0, 0, 0, time.UTC)
	var batch []pecta.Event
	for i := range 5 {
		batch = append(batch, pecta.Event{AgentID: "a", Passed: i%2 == 0, Timestamp: t0.Add(time.Duration(i) * time.Minute)})
	}
	if _, err := c.Ingest(ctx, batch); err != nil {
		panic(err)
	}
	// Pages are fetched as the loop asks for them (2 events a page here).
	for ev, err := range c.Events.All(ctx, pecta.EventListParams{Limit: 2}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(ev.CreatedAt.Format(time.Kitchen), ev.Passed)
	}
	// Output:
	// 2:04PM true
	// 2:03PM false
	// 2:02PM true
	// 2:01PM false
	// 2:00PM true
}

func ExampleAPIError() {
	srv := pectatest.NewServer()
	defer srv.Close()
	c := srv.Client(pecta.WithMaxRetries(pecta.NoRetries))

	srv.FailNext(1, http.StatusTooManyRequests, 2*time.Second)
	_, err := c.Reputation(context.Background(), "bidder-7")

	var apiErr *pecta.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.RetryAfter)
	}
	fmt.Println(errors.Is(err, pecta.ErrRateLimited))
	// Output:
	// 429 rate_limited 2s
	// true
}

// With gates, an event's outcome is derived from them; Passed true next to
// a failed gate is refused. Events round-trip through encoding/json.
func ExampleEvent() {
	ev := pecta.Event{AgentID: "bidder-7", Gates: []pecta.GateResult{
		{Name: "budget", Passed: true, LatencyMS: 0.1},
		{Name: "brand", Skipped: true, Reason: pecta.ReasonTimeout},
	}}
	b, _ := json.Marshal(ev)
	fmt.Println(string(b))

	var back pecta.Event
	fmt.Println(json.Unmarshal(b, &back), back.Passed)

	bad := pecta.Event{AgentID: "bidder-7", Passed: true, Gates: []pecta.GateResult{{Name: "floor", Reason: "below floor"}}}
	fmt.Println(bad.Validate())
	// Output:
	// {"agent_id":"bidder-7","passed":true,"total_latency_ms":0,"gates":[{"name":"budget","passed":true,"latency_ms":0.1},{"name":"brand","passed":false,"latency_ms":0,"reason":"pecta:timeout","skipped":true}]}
	// <nil> true
	// pecta: invalid passed: is true but gates[0].passed is false: an event passes only when every gate passed or was skipped (leave Passed false to derive it)
}

// Zero means the default (3 retries); NoRetries turns them off.
func ExampleWithMaxRetries() {
	srv := pectatest.NewServer()
	defer srv.Close()
	c := srv.Client(pecta.WithMaxRetries(pecta.NoRetries))

	srv.On("GET /v1/agents").FailNext(1, http.StatusServiceUnavailable, 0)
	_, err := c.Agents.List(context.Background())

	var apiErr *pecta.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, "after", apiErr.Attempts, "attempt")
	}
	// Output: 503 after 1 attempt
}

// A base URL with the API version is refused, naming the one to use.
func ExampleWithBaseURL() {
	_, err := pecta.NewClient("pk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", pecta.WithBaseURL("https://api.pecta.ai/v1"))
	fmt.Println(err)
	// Output: pecta: base URL "https://api.pecta.ai/v1" must not include the API version "/v1" (the client adds /v1 to every route): use "https://api.pecta.ai"
}

func ExampleKeysService_AllUsageLogs() {
	srv := pectatest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	user := srv.Client()
	for _, agent := range []string{"a", "b", "c"} {
		if _, err := user.Reputation(ctx, agent); err != nil {
			panic(err)
		}
	}

	// An audit of the last hour: every request, newest first, page by page.
	admin := srv.AdminClient()
	since := time.Now().Add(-time.Hour)
	for l, err := range admin.Keys.AllUsageLogs(ctx, pecta.UsageLogParams{From: since}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(l.Method, l.Path, l.StatusCode)
	}
	// Output:
	// GET /v1/reputation/c 200
	// GET /v1/reputation/b 200
	// GET /v1/reputation/a 200
}
