package pectatest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/pectatest"
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
		req.Header.Set("Authorization", "Bearer "+srv.PublishableKey)
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
