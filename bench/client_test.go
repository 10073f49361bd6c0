package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pecta-ai/pecta-go/pecta"
)

// reputationJSON is the fixed answer of the trivial reputation handler.
const reputationJSON = `{"agent_id":"a","score":712,"evaluations":120,"passed":114,"pass_rate":0.95,"avg_latency_ms":12.5,"streak":31,"status":"active"}`

const clientKey = "pk_live_BENCHbenchBENCHbenchBENCHbench01"

func reputationServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, reputationJSON)
	}))
}

// BenchmarkClient measures the per-call overhead of pecta.Client over a
// bare net/http GET of the same URL on the same trivial in-process handler
// (so the server's cost is equal): pecta is Client.Reputation (auth header,
// user agent, retry wrapper, typed decode); nethttp is a GET with the same
// Authorization header whose body is read and discarded; nethttp+json also
// decodes it with encoding/json into an equivalent struct.
func BenchmarkClient(b *testing.B) {
	srv := reputationServer()
	defer srv.Close()
	url := srv.URL + "/v1/reputation/a"

	b.Run("pecta", func(b *testing.B) {
		c, err := pecta.NewClient(clientKey, pecta.WithBaseURL(srv.URL))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Reputation(ctx, "a"); err != nil {
				b.Fatal(err)
			}
		}
	})

	for _, decode := range []bool{false, true} {
		name := "nethttp"
		if decode {
			name = "nethttp+json"
		}
		b.Run(name, func(b *testing.B) {
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			defer hc.CloseIdleConnections()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := bareGet(ctx, hc, url, decode); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type bareReputation struct {
	AgentID      string  `json:"agent_id"`
	Score        int     `json:"score"`
	Evaluations  int     `json:"evaluations"`
	Passed       int     `json:"passed"`
	PassRate     float64 `json:"pass_rate"`
	AvgLatencyMS float64 `json:"avg_latency_ms"`
	Streak       int     `json:"streak"`
	Status       string  `json:"status"`
}

func bareGet(ctx context.Context, hc *http.Client, url string, decode bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+clientKey)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !decode {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	var out bareReputation
	return json.NewDecoder(resp.Body).Decode(&out)
}
