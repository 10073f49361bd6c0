// Package promcollector exposes a telemetry emitter's health to
// Prometheus: how many events were tracked, delivered and dropped (by
// reason), how full the queue is, what is in flight, the retries and
// 429s, the budget, the key's state, and how long each ingest request
// took. It is its own Go module, so that programs that do not use
// Prometheus neither download nor compile client_golang; its version
// moves in step with github.com/pecta-ai/pecta-go.
//
// Register a Collector on the registry the program already serves:
//
//	em, err := telemetry.New(cfg)
//	if err != nil { ... }
//	c := promcollector.New(em)
//	defer c.Close() // removes its hook on em
//	prometheus.MustRegister(c)
//	http.Handle("/metrics", promhttp.Handler())
//
// (Example runs the same and scrapes it; examples/metrics in this module
// is a whole program.) At every scrape Collect reads em.Metrics(), which
// takes no lock that Track takes and allocates nothing, so scraping at
// any interval leaves Track's latency alone; the request histogram is
// fed by em.OnRequest on the goroutine that sent the request.
//
// # Series
//
// Every series carries the labels given WithConstLabels (none by
// default), never an agent ID.
//
//	name                                               type       labels
//	pecta_telemetry_events_tracked_total               counter
//	pecta_telemetry_events_kept_total                  counter
//	pecta_telemetry_events_sent_total                  counter
//	pecta_telemetry_events_dropped_total               counter    reason
//	pecta_telemetry_events_unconfirmed_total           counter
//	pecta_telemetry_events_replayed_total              counter
//	pecta_telemetry_batches_accepted_total             counter
//	pecta_telemetry_retries_total                      counter
//	pecta_telemetry_rate_limited_total                 counter
//	pecta_telemetry_queue_events                       gauge
//	pecta_telemetry_queue_bytes                        gauge
//	pecta_telemetry_queue_capacity_bytes               gauge
//	pecta_telemetry_inflight_batches                   gauge
//	pecta_telemetry_inflight_events                    gauge
//	pecta_telemetry_budget_requests_per_second         gauge
//	pecta_telemetry_budget_fallback                    gauge      (0 or 1)
//	pecta_telemetry_key_rejected                       gauge      (0 or 1)
//	pecta_telemetry_last_accepted_timestamp_seconds    gauge
//	pecta_telemetry_request_duration_seconds           histogram  code
//
// reason is one of the fixed set of telemetry.DropCounts: invalid,
// sampled, queue_full, closed, rejected (every "rejected:<code>" of
// Stats), retries_exhausted, shutdown, not_accepted, spool_full,
// spool_corrupt. Every reason is exposed from the first scrape, at 0
// until it happens, so that rate() and increase() see the first drop.
// Once the emitter is quiet, tracked + replayed = sent + unconfirmed +
// dropped (all reasons) + queue_events + inflight_events.
//
// pecta_telemetry_request_duration_seconds has one observation per
// attempt: a retried batch makes several. code is the answer's HTTP
// status ("202" accepted, "429", "503", ...) or "0" when no answer
// arrived (a refused or reset connection, a timeout). Its _count by code
// is the request rate by outcome.
//
// pecta_telemetry_queue_bytes / pecta_telemetry_queue_capacity_bytes is
// how full the queue is (Config.MaxQueueBytes bounds its bytes; the bytes
// include what the emitter's shards have reserved for the next events, a
// few KiB even when no event waits).
// pecta_telemetry_budget_requests_per_second is absent when requests are
// unpaced (RequestsPerMinute < 0). Alert on
// time() - pecta_telemetry_last_accepted_timestamp_seconds (0 until the
// first accepted batch).
//
// The names follow the Prometheus conventions: a pecta_telemetry prefix,
// _total on counters, base units (seconds, bytes) in the name, a
// _timestamp_seconds gauge for a time, labels of small fixed sets. The
// OpenTelemetry counterpart, the telemetry/otelmetrics module, reports
// the same figures under the names of the OpenTelemetry conventions.
package promcollector
