package bench

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// TestSmoke runs each benchmark's machinery once, quickly: the server
// process, one delivered event signed, the floor batch, the client calls.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c := startChild(t)
	em := newEmitter(t, c, true, telemetry.Config{})
	ev := benchEvent()
	if err := em.Track(&ev); err != nil {
		t.Fatal(err)
	}
	st, err := closeEmitter(em, 5*time.Second)
	if err != nil || st.Sent != 1 {
		t.Fatalf("close: %v; %v", err, st)
	}
	c.down(t)
	c.up(t)
	c.latency(t, time.Millisecond)

	ev.Timestamp = time.Now()
	if got := len(floorBatch(nil, &ev)); got < 100*100 {
		t.Errorf("floor batch is %d bytes", got)
	}

	srv := reputationServer()
	defer srv.Close()
	pc, err := pecta.NewClient(clientKey, pecta.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := pc.Reputation(context.Background(), "a")
	if err != nil || rep.Score != 712 {
		t.Fatalf("reputation: %+v, %v", rep, err)
	}
	if err := bareGet(context.Background(), http.DefaultClient, srv.URL+"/v1/reputation/a", true); err != nil {
		t.Fatal(err)
	}
	if p := percentile([]int64{1, 2, 3, 4}, 0.5); p != 2 {
		t.Errorf("p50 of 1..4 = %d", p)
	}
}
