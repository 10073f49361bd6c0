package peers

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// otelPeer is the OpenTelemetry SDK: a span started, given the event's
// attributes, ended and handed to a BatchSpanProcessor with its defaults
// (queue 2048, batch 512, 5s), exported by the real OTLP/HTTP protobuf
// exporter to the sink. The sampler is the SDK default (parent-based,
// always on for root spans), so every span is recorded.
type otelPeer struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

func newOTel(url string) (enqueuer, error) {
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpoint(strings.TrimPrefix(url, "http://")),
		otlptracehttp.WithInsecure(),
	)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	return &otelPeer{tp: tp, tracer: tp.Tracer("bench/peers")}, nil
}

// Enqueue records one span carrying the event as attributes: the three
// gates as three slice attributes (names, verdicts, latencies).
func (p *otelPeer) Enqueue() error {
	_, span := p.tracer.Start(context.Background(), evName)
	span.SetAttributes(
		attribute.String("agent_id", evAgentID),
		attribute.String("tool", evTool),
		attribute.Bool("passed", evPassed),
		attribute.Float64("total_latency_ms", evTotalLatencyMS),
		attribute.StringSlice("gates.name", []string{evGates[0].name, evGates[1].name, evGates[2].name}),
		attribute.BoolSlice("gates.passed", []bool{evGates[0].passed, evGates[1].passed, evGates[2].passed}),
		attribute.Float64Slice("gates.latency_ms", []float64{evGates[0].latencyMS, evGates[1].latencyMS, evGates[2].latencyMS}),
	)
	span.End()
	return nil
}

func (p *otelPeer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.tp.Shutdown(ctx)
}
