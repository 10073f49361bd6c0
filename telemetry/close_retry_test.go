package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// A server that comes back while Close drains gets the backlog within
// about a second of answering, whatever backoff the batches were in, for
// both kinds of outage: refused connections and 5xx answers.
func TestCloseCatchesAServerThatCameBack(t *testing.T) {
	for _, kind := range []string{"refused", "5xx"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := pectatest.NewServer(pectatest.WithoutRateLimits())
			defer srv.Close()
			url := srv.URL
			var down, back atomic.Bool
			if kind == "refused" {
				srv.Down()
			} else { // a proxy in front of srv that answers 503 while down
				down.Store(true)
				proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if down.Load() {
						http.Error(w, `{"error":"down","code":"unavailable","status":503}`, http.StatusServiceUnavailable)
						return
					}
					req, _ := http.NewRequestWithContext(r.Context(), r.Method, srv.URL+r.URL.Path, r.Body)
					req.Header = r.Header.Clone()
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						http.Error(w, err.Error(), http.StatusBadGateway)
						return
					}
					defer resp.Body.Close()
					w.WriteHeader(resp.StatusCode)
					_, _ = io.Copy(w, resp.Body)
				}))
				defer proxy.Close()
				url = proxy.URL
			}
			em, err := telemetry.New(telemetry.Config{
				PublishableKey:    srv.PublishableKey,
				SecretKey:         srv.SecretKey,
				BaseURL:           url,
				SampleRate:        1,
				RequestsPerMinute: -1,
				FlushInterval:     50 * time.Millisecond,
				// the default backoff (250 ms up to 8 s): after 6 s of
				// outage a batch waits seconds between attempts
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2000 {
				if err := em.Track(&pecta.Event{AgentID: "a", Tool: "t-" + strconv.Itoa(i), Passed: true}); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(6 * time.Second) // the outage, before the signal
			var upAt atomic.Int64
			go func() {
				time.Sleep(time.Second) // the server comes back a second after Close starts
				back.Store(true)
				upAt.Store(time.Now().UnixNano())
				if kind == "refused" {
					_ = srv.Up()
				} else {
					down.Store(false)
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = em.Close(ctx)
			done := time.Now()
			if err != nil {
				t.Fatalf("Close: %v", err)
			}
			if !back.Load() {
				t.Fatal("Close returned before the server came back")
			}
			st := em.Stats()
			if st.Sent != 2000 || len(srv.Ingested()) != 2000 {
				t.Fatalf("delivered %d (server %d) of 2000: %v", st.Sent, len(srv.Ingested()), st)
			}
			if lag := done.Sub(time.Unix(0, upAt.Load())); lag > 3*time.Second { // 0.4 s on a quiet machine; 4.2-4.6 s before the fix; room for a loaded CI machine under -race
				t.Fatalf("the backlog arrived %v after the server came back", lag)
			} else {
				t.Logf("backlog delivered %v after the server came back", lag.Round(time.Millisecond))
			}
		})
	}
}
