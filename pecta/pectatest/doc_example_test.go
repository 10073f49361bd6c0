// This file is the example of the package documentation (doc.go), so that the test run
// compiles and runs it; TestDocExampleIsThisFile keeps the two equal. Edit both together.

package pectatest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

func TestIngestSurvivesA503(t *testing.T) {
	srv := pectatest.NewServer()
	defer srv.Close()
	c := srv.Client(pecta.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	ctx := context.Background()

	// Fail the first ingest attempt only: the Reputation call below passes.
	srv.On("POST /v1/ingest").FailNext(1, http.StatusServiceUnavailable, 0)
	if _, err := c.Reputation(ctx, "bidder-1"); err != nil {
		t.Fatal(err)
	}
	ev := pecta.Event{AgentID: "bidder-1", Gates: []pecta.GateResult{{Name: "budget", Passed: true}}}
	if _, err := c.Ingest(ctx, []pecta.Event{ev}); err != nil { // retried once
		t.Fatal(err)
	}

	got := srv.Ingested()
	if len(got) != 1 || !got[0].Passed || srv.Stats().Faulted != 1 {
		t.Fatalf("ingested %+v after %d faults, want 1 passed event after 1", got, srv.Stats().Faulted)
	}
}
