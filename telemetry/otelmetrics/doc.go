// Package otelmetrics reports a telemetry emitter's health through the
// OpenTelemetry metric API: how many events were tracked, delivered and
// dropped (by reason), how full the queue is, what is in flight, the
// retries and 429s, the budget, the key's state, and how long each
// ingest request took. It is its own Go module, so that programs that do
// not use OpenTelemetry neither download nor compile it; its version
// moves in step with github.com/pecta-ai/pecta-go.
//
// Register the emitter on the MeterProvider the program already exports
// with (an OTLP exporter, the OpenTelemetry Prometheus exporter, ...):
//
//	em, err := telemetry.New(cfg)
//	if err != nil { ... }
//	reg, err := otelmetrics.Register(em, mp) // mp: your *sdkmetric.MeterProvider
//	if err != nil { ... }
//	defer reg.Unregister()
//	defer em.Close(ctx)
//
// (Example runs the same against the SDK's ManualReader.) At every
// collection one callback reads em.Metrics(), which takes no lock that
// Track takes and allocates nothing, so a collection at any interval
// leaves Track's latency alone; the request histogram is fed by
// em.OnRequest on the goroutine that sent the request.
//
// # Instruments
//
// All are in the meter of scope ScopeName; every measurement carries the
// attributes given WithAttributes (none by default), never an agent ID.
//
//	name                                        kind                   unit         attributes
//	pecta.telemetry.event.tracked               Counter                {event}
//	pecta.telemetry.event.kept                  Counter                {event}
//	pecta.telemetry.event.processed             Counter                {event}      error.type (absent: confirmed)
//	pecta.telemetry.event.unconfirmed           Counter                {event}
//	pecta.telemetry.event.replayed              Counter                {event}
//	pecta.telemetry.event.inflight              UpDownCounter          {event}
//	pecta.telemetry.queue.size                  UpDownCounter          {event}
//	pecta.telemetry.queue.usage                 UpDownCounter          By
//	pecta.telemetry.queue.capacity              UpDownCounter          By
//	pecta.telemetry.batch.accepted              Counter                {batch}
//	pecta.telemetry.batch.inflight              UpDownCounter          {batch}
//	pecta.telemetry.batch.last_accepted_time    Gauge                  s
//	pecta.telemetry.request.retries             Counter                {request}
//	pecta.telemetry.request.rate_limited        Counter                {request}
//	pecta.telemetry.request.duration            Histogram              s            http.response.status_code, error.type
//	pecta.telemetry.budget.rate                 Gauge                  {request}/s
//	pecta.telemetry.budget.fallback             Gauge                  1
//	pecta.telemetry.key.rejected                Gauge                  1
//
// pecta.telemetry.event.processed counts each event once its delivery
// ended: without error.type when the server confirmed it, with error.type
// set to the drop reason otherwise, one of the fixed set of
// telemetry.DropCounts (invalid, sampled, queue_full, closed, rejected,
// retries_exhausted, shutdown, not_accepted, spool_full, spool_corrupt;
// every reason is reported from the start, at 0 until it happens).
// Events answered 2xx without a confirmed count are in
// pecta.telemetry.event.unconfirmed instead. So, once the emitter is
// quiet, tracked + replayed = processed (all error.type values) +
// unconfirmed + queue.size + event.inflight.
//
// pecta.telemetry.request.duration has one measurement per attempt: a
// retried batch makes several. http.response.status_code is the answer's
// status (202 accepted) and is absent when no answer arrived; error.type
// is set on failed requests to the status code, "timeout", "canceled" or
// "_OTHER" (a refused or reset connection, for one).
//
// queue.capacity is in bytes, as Config.MaxQueueBytes bounds the queue:
// queue.usage / queue.capacity is how full it is (queue.usage includes
// what the emitter's shards have reserved for the next events, a few KiB
// even when no event waits). budget.rate is not
// reported when requests are unpaced (RequestsPerMinute < 0).
// batch.last_accepted_time is a Unix time, 0 until the first accepted
// batch: alert on its age.
//
// # Names
//
// The names follow the shape of the OpenTelemetry SDK's own metrics
// (otel.sdk.processor.span.queue.size and .queue.capacity as
// UpDownCounters, otel.sdk.processor.span.processed with a
// low-cardinality error.type, a duration histogram with
// http.response.status_code), with the same attribute keys, under a
// pecta.telemetry prefix of their own: the otel.* namespace belongs to
// the OpenTelemetry project and otel.sdk.* counts spans, logs and metric
// points of the SDK's components, so Pecta events under those names
// would add to the SDK's figures in every dashboard built on them. The
// semantic conventions for SDK metrics are still in development; these
// names are this module's and change only with its major version.
package otelmetrics
