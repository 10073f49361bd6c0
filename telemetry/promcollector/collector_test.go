package promcollector_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/promcollector"
)

func testConfig(srv *pectatest.Server) telemetry.Config {
	return telemetry.Config{
		PublishableKey:    srv.PublishableKey,
		SecretKey:         srv.SecretKey,
		BaseURL:           srv.URL,
		BatchSize:         10,
		FlushInterval:     20 * time.Millisecond,
		RetryWaitMin:      time.Millisecond,
		RetryWaitMax:      5 * time.Millisecond,
		MaxRetries:        1,
		RequestsPerMinute: 600_000, // paced, so that the budget's rate is exposed
		SampleRate:        0.5,
		MaxQueueBytes:     4 << 20,
	}
}

// scrape serves reg through promhttp on a loopback server, scrapes it
// once and parses the text exposition.
func scrape(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	ts := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s", resp.Status)
	}
	if ct := expfmt.ResponseFormat(resp.Header); ct.FormatType() != expfmt.TypeTextPlain {
		t.Fatalf("scrape: content type %s", resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(slices.Collect(maps.Values(mfs))).Lint()
	if err != nil || len(problems) > 0 {
		t.Errorf("promlint: %v %+v", err, problems)
	}
	return mfs
}

// family is what the test expects of a metric family.
type family struct {
	typ    dto.MetricType
	labels string // the variable label's name, if any
}

var (
	counter = dto.MetricType_COUNTER
	gauge   = dto.MetricType_GAUGE
)

var want = map[string]family{
	"pecta_telemetry_events_tracked_total":            {counter, ""},
	"pecta_telemetry_events_kept_total":               {counter, ""},
	"pecta_telemetry_events_sent_total":               {counter, ""},
	"pecta_telemetry_events_dropped_total":            {counter, "reason"},
	"pecta_telemetry_events_unconfirmed_total":        {counter, ""},
	"pecta_telemetry_events_replayed_total":           {counter, ""},
	"pecta_telemetry_batches_accepted_total":          {counter, ""},
	"pecta_telemetry_retries_total":                   {counter, ""},
	"pecta_telemetry_rate_limited_total":              {counter, ""},
	"pecta_telemetry_queue_events":                    {gauge, ""},
	"pecta_telemetry_queue_bytes":                     {gauge, ""},
	"pecta_telemetry_queue_capacity_bytes":            {gauge, ""},
	"pecta_telemetry_inflight_batches":                {gauge, ""},
	"pecta_telemetry_inflight_events":                 {gauge, ""},
	"pecta_telemetry_budget_requests_per_second":      {gauge, ""},
	"pecta_telemetry_budget_fallback":                 {gauge, ""},
	"pecta_telemetry_key_rejected":                    {gauge, ""},
	"pecta_telemetry_last_accepted_timestamp_seconds": {gauge, ""},
	"pecta_telemetry_request_duration_seconds":        {dto.MetricType_HISTOGRAM, "code"},
}

// values returns a family's values by label set ("name=value" pairs
// joined with commas, "" for none), checking its type, help and labels;
// a histogram's value is its sample count.
func values(t *testing.T, mfs map[string]*dto.MetricFamily, name string, constLabels ...string) map[string]float64 {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	w := want[name]
	if mf.GetType() != w.typ || mf.GetHelp() == "" {
		t.Errorf("%s: type %v, help %q", name, mf.GetType(), mf.GetHelp())
	}
	v := map[string]float64{}
	for _, m := range mf.GetMetric() {
		var names, kv []string
		for _, l := range m.GetLabel() {
			names = append(names, l.GetName())
			if l.GetName() == w.labels {
				kv = append(kv, l.GetName()+"="+l.GetValue())
			}
		}
		if wantNames := slices.Sorted(slices.Values(append(slices.Clone(constLabels), w.labels))); !slices.Equal(names, slices.DeleteFunc(wantNames, func(s string) bool { return s == "" })) {
			t.Errorf("%s: labels %v", name, names)
		}
		key := strings.Join(kv, ",")
		switch w.typ {
		case counter:
			v[key] = m.GetCounter().GetValue()
		case gauge:
			v[key] = m.GetGauge().GetValue()
		default:
			h := m.GetHistogram()
			if len(h.GetBucket()) != len(promcollector.DefaultBuckets)+1 || // +Inf too
				h.GetSampleSum() <= 0 {
				t.Errorf("%s %s: %d buckets, sum %v", name, key, len(h.GetBucket()), h.GetSampleSum())
			}
			v[key] = float64(h.GetSampleCount())
		}
	}
	return v
}

// A scrape over loopback has every series, of its type and labels,
// passing promlint, and agrees with Stats once the emitter is closed:
// drops by reason, the 202s and 503s of the request histogram.
func TestScrapeAgreesWithStats(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	em, err := telemetry.New(testConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	c := promcollector.New(em)
	defer c.Close()
	reg := prometheus.NewPedanticRegistry() // checks Collect against Describe
	reg.MustRegister(c)

	srv.On("POST /v1/ingest").FailNext(4, http.StatusServiceUnavailable, 0)
	srv.On("POST /v1/ingest").FailNext(1, http.StatusUnprocessableEntity, 0)
	for i := range 1000 {
		ev := pecta.Event{AgentID: "agent-" + strconv.Itoa(i%7), Passed: true}
		if i%100 == 0 {
			ev.AgentID = "" // invalid
		}
		_ = em.Track(&ev)
	}
	_ = em.Close(context.Background()) // reports the dropped batches
	for range 3 {
		_ = em.Track(&pecta.Event{AgentID: "late", Passed: true}) // closed
	}
	st, m := em.Stats(), em.Metrics()
	mfs := scrape(t, reg)
	if names := slices.Sorted(maps.Keys(mfs)); !slices.Equal(names, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("families %v", names)
	}

	one := func(name string, wantValue float64) {
		t.Helper()
		v := values(t, mfs, name)
		if len(v) != 1 || v[""] != wantValue {
			t.Errorf("%s: %v, want %v", name, v, wantValue)
		}
	}
	one("pecta_telemetry_events_tracked_total", float64(st.Tracked))
	one("pecta_telemetry_events_kept_total", float64(m.Kept))
	one("pecta_telemetry_events_sent_total", float64(st.Sent))
	one("pecta_telemetry_events_unconfirmed_total", float64(st.Unconfirmed))
	one("pecta_telemetry_events_replayed_total", float64(st.Replayed))
	one("pecta_telemetry_batches_accepted_total", float64(st.Batches))
	one("pecta_telemetry_retries_total", float64(st.Retries))
	one("pecta_telemetry_rate_limited_total", float64(st.Budget.Limited))
	one("pecta_telemetry_queue_events", float64(st.QueuedEvents))
	one("pecta_telemetry_queue_bytes", float64(m.QueuedBytes))
	one("pecta_telemetry_queue_capacity_bytes", 4<<20)
	one("pecta_telemetry_inflight_batches", float64(st.InFlight))
	one("pecta_telemetry_inflight_events", float64(st.InFlightEvents))
	one("pecta_telemetry_budget_requests_per_second", st.Budget.Rate)
	one("pecta_telemetry_budget_fallback", 0)
	one("pecta_telemetry_key_rejected", 0)
	// the text format keeps milliseconds of a float's 15-16 digits
	if v := values(t, mfs, "pecta_telemetry_last_accepted_timestamp_seconds")[""]; v < float64(m.LastAccepted.Unix()) || v > float64(m.LastAccepted.Unix()+1) {
		t.Errorf("last accepted %v, want %v", v, m.LastAccepted)
	}

	dropped := values(t, mfs, "pecta_telemetry_events_dropped_total")
	wantDropped := map[string]float64{}
	for reason := range m.Dropped.All() {
		wantDropped["reason="+reason] = 0
	}
	for reason, n := range st.DroppedByReason {
		if strings.HasPrefix(reason, telemetry.ReasonRejected+":") {
			reason = telemetry.ReasonRejected
		}
		wantDropped["reason="+reason] += float64(n)
	}
	if !maps.Equal(dropped, wantDropped) || len(dropped) != 10 {
		t.Errorf("dropped %v\nwant %v", dropped, wantDropped)
	}
	for _, r := range []string{"invalid", "sampled", "closed", "rejected"} {
		if dropped["reason="+r] == 0 {
			t.Errorf("no %s drop: %v", r, dropped)
		}
	}
	if dropped["reason=closed"] != 3 || st.Sent == 0 {
		t.Errorf("dropped %v; stats %v", dropped, st)
	}

	requests := values(t, mfs, "pecta_telemetry_request_duration_seconds")
	wantRequests := map[string]float64{"code=202": float64(st.Batches), "code=503": 4, "code=422": 1}
	if !maps.Equal(requests, wantRequests) {
		t.Errorf("requests %v\nwant %v", requests, wantRequests)
	}
}

// Constant labels are on every series, buckets are as given, a request
// without an answer has code "0", and Close stops the histogram.
func TestLabelsBucketsAndClose(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	cfg := testConfig(srv)
	cfg.SampleRate, cfg.RequestsPerMinute = 1, -1
	em, err := telemetry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close(context.Background())
	c := promcollector.New(em, promcollector.WithConstLabels(prometheus.Labels{"emitter": "bids"}),
		promcollector.WithBuckets([]float64{0.1, 1}))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	track := func() {
		for range 20 {
			_ = em.Track(&pecta.Event{AgentID: "a", Passed: true})
		}
		if err := em.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	srv.On("POST /v1/ingest").ResetNext(1)
	track()
	mfs := scrape(t, reg)
	if _, ok := mfs["pecta_telemetry_budget_requests_per_second"]; ok {
		t.Error("budget rate exposed while unpaced")
	}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == "emitter" && l.GetValue() == "bids" }) {
				t.Errorf("%s: labels %v", name, m.GetLabel())
			}
		}
	}
	if v := values(t, mfs, "pecta_telemetry_events_tracked_total", "emitter"); v[""] != 20 {
		t.Errorf("tracked %v", v)
	}
	h := mfs["pecta_telemetry_request_duration_seconds"]
	counts := map[string]uint64{}
	for _, m := range h.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "code" {
				counts[l.GetValue()] = m.GetHistogram().GetSampleCount()
			}
		}
		if len(m.GetHistogram().GetBucket()) != 3 { // 0.1, 1, +Inf
			t.Errorf("buckets %v", m.GetHistogram().GetBucket())
		}
	}
	if !maps.Equal(counts, map[string]uint64{"0": 1, "202": 2}) {
		t.Errorf("requests by code %v", counts)
	}

	c.Close()
	c.Close()
	track()
	mfs = scrape(t, reg)
	if v := values(t, mfs, "pecta_telemetry_events_tracked_total", "emitter"); v[""] != 40 {
		t.Errorf("tracked after Close %v", v)
	}
	var n uint64
	for _, m := range mfs["pecta_telemetry_request_duration_seconds"].GetMetric() {
		n += m.GetHistogram().GetSampleCount()
	}
	if n != 3 {
		t.Errorf("%d requests after Close, want 3", n)
	}
}
