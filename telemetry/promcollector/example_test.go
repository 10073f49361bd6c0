package promcollector_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/promcollector"
)

// An emitter's series on a registry served by promhttp, scraped once.
func Example() {
	srv := pectatest.NewServer() // stands in for the Pecta API
	defer srv.Close()
	em, err := telemetry.New(telemetry.Config{
		PublishableKey: srv.PublishableKey,
		SecretKey:      srv.SecretKey,
		BaseURL:        srv.URL,
		SampleRate:     1, // keep every event
	})
	if err != nil {
		panic(err)
	}

	c := promcollector.New(em)
	defer c.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()

	for range 10 {
		_ = em.Track(&pecta.Event{AgentID: "agent-1", Passed: true})
	}
	_ = em.Track(&pecta.Event{}) // no agent ID: dropped as invalid
	_ = em.Close(context.Background())

	resp, err := http.Get(metrics.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		line := sc.Text()
		if strings.HasPrefix(line, "pecta_telemetry_events_") && !strings.HasSuffix(line, " 0") {
			fmt.Println(line)
		}
	}
	// Output:
	// pecta_telemetry_events_dropped_total{reason="invalid"} 1
	// pecta_telemetry_events_kept_total 11
	// pecta_telemetry_events_sent_total 10
	// pecta_telemetry_events_tracked_total 11
}
