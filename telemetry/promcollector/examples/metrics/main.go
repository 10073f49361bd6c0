// Command metrics serves a telemetry emitter's series on /metrics, the
// way a bidder would, and scrapes itself once: it tracks events (a few of
// them invalid) against an embedded pectatest server that fails one
// ingest request with a 503, prints the Pecta series and exits non-zero
// if one disagrees with the emitter's Stats.
//
//	cd telemetry/promcollector && go run ./examples/metrics
//
// It needs no configuration: the server, its keys and the /metrics
// listener are local and made for the run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/promcollector"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "metrics example:", err)
		os.Exit(1)
	}
}

func run() error {
	srv := pectatest.NewServer() // stands in for the Pecta API
	defer srv.Close()
	em, err := telemetry.New(telemetry.Config{
		PublishableKey:    srv.PublishableKey,
		SecretKey:         srv.SecretKey,
		BaseURL:           srv.URL,
		SampleRate:        1,  // keep every event
		RequestsPerMinute: -1, // and send them at once
	})
	if err != nil {
		return err
	}
	defer em.Close(context.Background())

	// The emitter's collector on a registry of its own, served on /metrics.
	c := promcollector.New(em)
	defer c.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	// 1,000 events of ten agents, five of them invalid (no agent ID); the
	// first ingest request is answered 503 and retried.
	srv.On("POST /v1/ingest").FailNext(1, http.StatusServiceUnavailable, 0)
	for i := range 1000 {
		ev := pecta.Event{AgentID: "agent-" + strconv.Itoa(i%10), Tool: "search", Passed: true}
		if i%200 == 0 {
			ev.AgentID = ""
		}
		_ = em.Track(&ev) // an invalid event's error is counted, as a drop
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := em.Flush(ctx); err != nil {
		return err
	}

	body, err := get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		return err
	}
	fmt.Println("scraped /metrics; the Pecta series (histogram buckets left out):")
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "pecta_") && !strings.Contains(line, "_bucket{") {
			fmt.Print("  ", line)
		}
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		return err
	}
	st := em.Stats()
	fmt.Println("stats:", st)
	if bad := disagreements(mfs, st); len(bad) > 0 {
		return errors.New("the scrape disagrees with Stats:\n  " + strings.Join(bad, "\n  "))
	}
	fmt.Println("every counter agrees with Stats")
	return nil
}

// get returns the body of a GET of url.
func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// disagreements compares the scraped series with st, the emitter's Stats
// once it is quiet.
func disagreements(mfs map[string]*dto.MetricFamily, st telemetry.Stats) []string {
	var bad []string
	check := func(series string, got float64, want uint64) {
		if got != float64(want) {
			bad = append(bad, fmt.Sprintf("%s = %v, Stats says %d", series, got, want))
		}
	}
	value := func(name, label, labelValue string) float64 {
		for _, m := range mfs[name].GetMetric() {
			if label != "" && !hasLabel(m, label, labelValue) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
		return -1 // missing
	}
	check("pecta_telemetry_events_tracked_total", value("pecta_telemetry_events_tracked_total", "", ""), st.Tracked)
	check("pecta_telemetry_events_sent_total", value("pecta_telemetry_events_sent_total", "", ""), st.Sent)
	check("pecta_telemetry_events_unconfirmed_total", value("pecta_telemetry_events_unconfirmed_total", "", ""), st.Unconfirmed)
	check("pecta_telemetry_batches_accepted_total", value("pecta_telemetry_batches_accepted_total", "", ""), st.Batches)
	check("pecta_telemetry_retries_total", value("pecta_telemetry_retries_total", "", ""), st.Retries)
	check("pecta_telemetry_rate_limited_total", value("pecta_telemetry_rate_limited_total", "", ""), st.Budget.Limited)
	check("pecta_telemetry_queue_events", value("pecta_telemetry_queue_events", "", ""), st.QueuedEvents)
	check("pecta_telemetry_inflight_events", value("pecta_telemetry_inflight_events", "", ""), st.InFlightEvents)

	byReason := map[string]uint64{}
	for reason, n := range st.DroppedByReason {
		if strings.HasPrefix(reason, telemetry.ReasonRejected+":") {
			reason = telemetry.ReasonRejected
		}
		byReason[reason] += n
	}
	var total float64
	for _, m := range mfs["pecta_telemetry_events_dropped_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	check("pecta_telemetry_events_dropped_total (every reason)", total, st.Dropped)
	var none telemetry.DropCounts
	for reason := range none.All() {
		check(`pecta_telemetry_events_dropped_total{reason="`+reason+`"}`,
			value("pecta_telemetry_events_dropped_total", "reason", reason), byReason[reason])
	}

	// one request per attempt: the accepted batches and the one 503
	check(`pecta_telemetry_request_duration_seconds_count{code="202"}`,
		value("pecta_telemetry_request_duration_seconds", "code", "202"), st.Batches)
	check(`pecta_telemetry_request_duration_seconds_count{code="503"}`,
		value("pecta_telemetry_request_duration_seconds", "code", "503"), 1)
	if st.Dropped != byReason[telemetry.ReasonInvalid] || st.Sent+st.Dropped != st.Tracked {
		bad = append(bad, fmt.Sprintf("expected every valid event delivered: %v", st))
	}
	return bad
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}
