package otelmetrics_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/otelmetrics"
)

// An emitter reported through the OpenTelemetry SDK. A program would give
// Register the MeterProvider it exports with; a ManualReader shows here
// what an exporter would receive.
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

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := otelmetrics.Register(em, mp)
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()

	for range 10 {
		_ = em.Track(&pecta.Event{AgentID: "agent-1", Passed: true})
	}
	_ = em.Track(&pecta.Event{}) // no agent ID: dropped as invalid
	_ = em.Close(context.Background())

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch m.Name {
		case "pecta.telemetry.event.tracked", "pecta.telemetry.event.processed":
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				if dp.Value > 0 {
					typ, _ := dp.Attributes.Value(otelmetrics.ErrorType)
					lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, typ.String(), dp.Value))
				}
			}
		}
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// pecta.telemetry.event.processed{invalid} 1
	// pecta.telemetry.event.processed{} 10
	// pecta.telemetry.event.tracked{} 11
}
