package otelmetrics_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/otelmetrics"
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
		RequestsPerMinute: 600_000, // paced, so that budget.rate is reported
		SampleRate:        0.5,
		MaxQueueBytes:     4 << 20,
	}
}

// collect reads every metric of the scope, by name.
func collect(t *testing.T, r *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelmetrics.ScopeName {
			t.Fatalf("scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			got[m.Name] = m
		}
	}
	return got
}

// instrument is what the test expects of one instrument.
type instrument struct {
	kind string // counter, updown, gauge, fgauge, histogram
	unit string
}

var want = map[string]instrument{
	"pecta.telemetry.event.tracked":            {"counter", "{event}"},
	"pecta.telemetry.event.kept":               {"counter", "{event}"},
	"pecta.telemetry.event.processed":          {"counter", "{event}"},
	"pecta.telemetry.event.unconfirmed":        {"counter", "{event}"},
	"pecta.telemetry.event.replayed":           {"counter", "{event}"},
	"pecta.telemetry.event.inflight":           {"updown", "{event}"},
	"pecta.telemetry.queue.size":               {"updown", "{event}"},
	"pecta.telemetry.queue.usage":              {"updown", "By"},
	"pecta.telemetry.queue.capacity":           {"updown", "By"},
	"pecta.telemetry.batch.accepted":           {"counter", "{batch}"},
	"pecta.telemetry.batch.inflight":           {"updown", "{batch}"},
	"pecta.telemetry.batch.last_accepted_time": {"fgauge", "s"},
	"pecta.telemetry.request.retries":          {"counter", "{request}"},
	"pecta.telemetry.request.rate_limited":     {"counter", "{request}"},
	"pecta.telemetry.request.duration":         {"histogram", "s"},
	"pecta.telemetry.budget.rate":              {"fgauge", "{request}/s"},
	"pecta.telemetry.budget.fallback":          {"gauge", "1"},
	"pecta.telemetry.key.rejected":             {"gauge", "1"},
}

// points returns an instrument's data points by their attributes
// (key=value pairs, sorted, joined with commas; "" for none), checking
// the instrument's kind and unit.
func points(t *testing.T, got map[string]metricdata.Metrics, name string) map[string]float64 {
	t.Helper()
	m, ok := got[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	w := want[name]
	if m.Unit != w.unit || m.Description == "" {
		t.Errorf("%s: unit %q, description %q", name, m.Unit, m.Description)
	}
	p := map[string]float64{}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		if d.IsMonotonic != (w.kind == "counter") || w.kind == "gauge" || d.Temporality != metricdata.CumulativeTemporality {
			t.Errorf("%s is a sum (monotonic %v), want a %s", name, d.IsMonotonic, w.kind)
		}
		for _, dp := range d.DataPoints {
			p[attrs(dp.Attributes)] = float64(dp.Value)
		}
	case metricdata.Gauge[int64]:
		if w.kind != "gauge" {
			t.Errorf("%s is an int gauge, want a %s", name, w.kind)
		}
		for _, dp := range d.DataPoints {
			p[attrs(dp.Attributes)] = float64(dp.Value)
		}
	case metricdata.Gauge[float64]:
		if w.kind != "fgauge" {
			t.Errorf("%s is a float gauge, want a %s", name, w.kind)
		}
		for _, dp := range d.DataPoints {
			p[attrs(dp.Attributes)] = dp.Value
		}
	case metricdata.Histogram[float64]:
		if w.kind != "histogram" {
			t.Errorf("%s is a histogram, want a %s", name, w.kind)
		}
		for _, dp := range d.DataPoints { // the count of each series
			if !slices.Equal(dp.Bounds, otelmetrics.DurationBuckets) || dp.Sum <= 0 {
				t.Errorf("%s %s: bounds %v, sum %v", name, attrs(dp.Attributes), dp.Bounds, dp.Sum)
			}
			p[attrs(dp.Attributes)] = float64(dp.Count)
		}
	default:
		t.Fatalf("%s: data %T", name, m.Data)
	}
	return p
}

func attrs(s attribute.Set) string {
	var kv []string
	for _, a := range s.ToSlice() {
		kv = append(kv, string(a.Key)+"="+a.Value.String())
	}
	return strings.Join(kv, ",")
}

// Every instrument is there, of its kind and unit, and agrees with Stats
// and Metrics once the emitter is closed: drops by reason, the 202s and
// the 503s of the request histogram.
func TestInstrumentsAgreeWithStats(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	em, err := telemetry.New(testConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := otelmetrics.Register(em, mp)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	// four 503s (retried once each, then out of retries) and one 422
	// (rejected), in whatever batches they fall
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
	got := collect(t, reader)
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("instruments %v", names)
	}

	one := func(name string, wantValue float64) {
		t.Helper()
		p := points(t, got, name)
		if len(p) != 1 || p[""] != wantValue {
			t.Errorf("%s: %v, want %v", name, p, wantValue)
		}
	}
	one("pecta.telemetry.event.tracked", float64(st.Tracked))
	one("pecta.telemetry.event.kept", float64(m.Kept))
	one("pecta.telemetry.event.unconfirmed", float64(st.Unconfirmed))
	one("pecta.telemetry.event.replayed", float64(st.Replayed))
	one("pecta.telemetry.event.inflight", float64(st.InFlightEvents))
	one("pecta.telemetry.queue.size", float64(st.QueuedEvents))
	one("pecta.telemetry.queue.usage", float64(m.QueuedBytes))
	one("pecta.telemetry.queue.capacity", 4<<20)
	one("pecta.telemetry.batch.accepted", float64(st.Batches))
	one("pecta.telemetry.batch.inflight", float64(st.InFlight))
	one("pecta.telemetry.batch.last_accepted_time", float64(m.LastAccepted.UnixNano())/1e9)
	one("pecta.telemetry.request.retries", float64(st.Retries))
	one("pecta.telemetry.request.rate_limited", float64(st.Budget.Limited))
	one("pecta.telemetry.budget.rate", st.Budget.Rate)
	one("pecta.telemetry.budget.fallback", 0)
	one("pecta.telemetry.key.rejected", 0)

	// processed: the confirmed events without error.type, each of the ten
	// drop reasons with it
	processed := points(t, got, "pecta.telemetry.event.processed")
	wantProcessed := map[string]float64{"": float64(st.Sent)}
	for reason := range m.Dropped.All() {
		wantProcessed["error.type="+reason] = 0
	}
	for reason, n := range st.DroppedByReason {
		if strings.HasPrefix(reason, telemetry.ReasonRejected+":") {
			reason = telemetry.ReasonRejected
		}
		wantProcessed["error.type="+reason] += float64(n)
	}
	if !maps.Equal(processed, wantProcessed) || len(processed) != 11 {
		t.Errorf("processed %v\nwant %v", processed, wantProcessed)
	}
	for _, r := range []string{"invalid", "sampled", "closed", "rejected"} {
		if processed["error.type="+r] == 0 {
			t.Errorf("no %s drop: %v", r, processed)
		}
	}
	if processed["error.type=closed"] != 3 || st.Sent == 0 {
		t.Errorf("processed %v; stats %v", processed, st)
	}

	// one request per attempt: the accepted batches (202), four 503s, one 422
	duration := points(t, got, "pecta.telemetry.request.duration")
	wantDuration := map[string]float64{
		"http.response.status_code=202":                float64(st.Batches),
		"error.type=503,http.response.status_code=503": 4,
		"error.type=422,http.response.status_code=422": 1,
	}
	if !maps.Equal(duration, wantDuration) {
		t.Errorf("request.duration counts %v\nwant %v", duration, wantDuration)
	}
}

// WithAttributes labels every point; Unregister stops the observations
// and the histogram, and can be called twice.
func TestAttributesAndUnregister(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	cfg := testConfig(srv)
	cfg.SampleRate, cfg.RequestsPerMinute = 1, -1
	em, err := telemetry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close(context.Background())
	reg, err := otelmetrics.Register(em, mp, otelmetrics.WithAttributes(attribute.String("pecta.emitter", "bids")))
	if err != nil {
		t.Fatal(err)
	}
	track := func() {
		for range 20 {
			_ = em.Track(&pecta.Event{AgentID: "a", Passed: true})
		}
		if err := em.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	srv.On("POST /v1/ingest").ResetNext(1) // no answer: error.type _OTHER, no status code
	track()
	got := collect(t, reader)
	if p := points(t, got, "pecta.telemetry.event.tracked"); p["pecta.emitter=bids"] != 20 || len(p) != 1 {
		t.Errorf("tracked %v", p)
	}
	if p := points(t, got, "pecta.telemetry.event.processed"); p["error.type=sampled,pecta.emitter=bids"] != 0 || len(p) != 11 {
		t.Errorf("processed %v", p)
	}
	if p := points(t, got, "pecta.telemetry.request.duration"); !maps.Equal(p, map[string]float64{
		"http.response.status_code=202,pecta.emitter=bids": 2,
		"error.type=_OTHER,pecta.emitter=bids":             1,
	}) {
		t.Errorf("request.duration %v", p)
	}
	if _, ok := got["pecta.telemetry.budget.rate"]; ok { // unpaced
		t.Errorf("budget.rate reported: %+v", got["pecta.telemetry.budget.rate"])
	}

	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	track()
	got = collect(t, reader)
	if m, ok := got["pecta.telemetry.event.tracked"]; ok && len(m.Data.(metricdata.Sum[int64]).DataPoints) > 0 {
		t.Errorf("observed after Unregister: %+v", m)
	}
	if p := points(t, got, "pecta.telemetry.request.duration"); p["http.response.status_code=202,pecta.emitter=bids"] != 2 {
		t.Errorf("request.duration after Unregister %v", p)
	}
}

func TestRegisterNeedsEmitterAndProvider(t *testing.T) {
	if _, err := otelmetrics.Register(nil, sdkmetric.NewMeterProvider()); err == nil {
		t.Error("nil emitter accepted")
	}
	if _, err := otelmetrics.Register(telemetry.NewNop(), nil); err == nil {
		t.Error("nil MeterProvider accepted")
	}
}
