// Package telemetry is a batching, HMAC-signing emitter of agent telemetry
// for POST /v1/ingest, built for hot paths such as RTB bidders.
//
// # Usage
//
//	em, err := telemetry.New(telemetry.Config{
//		PublishableKey: os.Getenv("PECTA_API_KEY"),    // pk_live_...
//		SecretKey:      os.Getenv("PECTA_SECRET_KEY"), // optional: sign batches
//	})
//	if err != nil { ... }                              // *telemetry.ConfigError
//	defer em.Close(ctx)                                // drains, bounded by ctx
//
//	err = em.Track(&pecta.Event{AgentID: "bidder-7", Passed: true, Gates: gates})
//
// # The hot path
//
// Track validates the event against the documented limits, copies it into
// one of several sharded in-memory buffers and returns. It never blocks on
// the network, on the flusher or on a full queue, does no I/O, allocates
// nothing in steady state and costs about 100 ns for an event with three
// gates (see BenchmarkTrack). The caller may reuse its event as soon as
// Track returns. A zero Timestamp is stamped with the time of Track.
//
// # What is sent, and what never is
//
// Only the metadata of pecta.Event leaves the process: agent_id, tool,
// passed, total_latency_ms, timestamp and, per gate, name, passed,
// latency_ms, reason and skipped. pecta.Event has no field for an agent's
// input, its output or gate details, so they cannot be sent by mistake.
// Requests carry the publishable key as the Bearer token. The secret key
// never goes on the wire, in logs, in errors or in fmt output: only the
// signature computed with it is sent.
//
// # Delivery
//
// Batches of up to BatchSize events are sent when full or every
// FlushInterval, by two background senders, paced so that no 60 s window
// holds more than RequestsPerMinute requests (500 by default, the
// documented limit). Each batch body is built once and signed once; every
// retry resends the same bytes with the same X-Pecta-Signature header.
// A 429 pauses all sending for its Retry-After (capped by RetryAfterCap)
// while Track keeps accepting. 5xx answers, timeouts, resets and refused
// connections are retried with jittered exponential backoff within
// MaxRetries and RetryBudget. Any other 4xx drops the batch with reason
// "rejected:<code>" (for example "rejected:hmac_invalid") and is reported
// to OnError. Delivery is at least once: a retry after a lost response can
// deliver a batch twice.
//
// # Accounting
//
// Every event passed to Track is counted, and at every Stats snapshot
// Tracked == Sent + Dropped + Pending. Drops are counted by reason:
// "invalid", "sampled", "queue_full", "closed", "rejected:<code>",
// "retries_exhausted", "not_accepted" (the server accepted fewer events
// than sent) and "shutdown". The queue is bounded in bytes (MaxQueueBytes);
// when it is full the Overflow policy drops the newest event (default) or
// the oldest queued batch. OnDrop and OnError are called in aggregate on
// the emitter's own goroutine, never on the goroutine calling Track; a
// panic in a callback is recovered and counted in Stats.CallbackPanics.
//
// # Shutdown
//
// Flush sends what is queued and waits for it. Close stops intake, sends
// what is left, waits for requests in flight and returns when everything is
// delivered or dropped or when its ctx ends; then requests in flight are
// aborted and the rest is counted as "shutdown" and reported in an
// *UndeliveredError. A second Close returns nil. No goroutine survives
// Close.
//
// # Signing
//
// With Config.SecretKey every batch carries X-Pecta-Signature:
// "sha256=" + lowercase hex HMAC-SHA256 of the exact body, keyed with the
// secret key. Sign and Verify compute and check such headers (Verify in
// constant time, telling missing, malformed and mismatched signatures
// apart), and VerifyMiddleware checks incoming requests for receivers and
// proxies.
//
// The signature protects integrity only, not against replay: it binds no
// timestamp or nonce, so a captured request can be sent again and will
// verify. Deduplicate or bound freshness yourself if replays matter.
package telemetry
