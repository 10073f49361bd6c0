// Package telemetry is a batching, HMAC-signing emitter of agent telemetry
// for POST /v1/ingest, built for hot paths such as RTB bidders.
//
// # Usage
//
//	em, err := telemetry.New(telemetry.Config{
//		PublishableKey: pecta.NewAPIKey(os.Getenv("PECTA_API_KEY")),    // pk_live_...
//		SecretKey:      pecta.NewAPIKey(os.Getenv("PECTA_SECRET_KEY")), // optional: sign batches
//	})
//	if err != nil { ... }  // a *ConfigError names the field
//	err = em.Track(&pecta.Event{AgentID: "bidder-7", Passed: true, Gates: gates})
//	...
//	err = em.Close(ctx)    // delivers what is queued, within ctx's deadline
//
// Track never blocks, never does I/O, never wakes another goroutine and
// allocates nothing in steady state; the caller may reuse its event at once.
// NewFromClient builds an emitter from a configured *pecta.Client, NewNop one
// that does nothing. Close returns nil only when every event Track accepted
// was delivered (or, with a spool, kept on disk); otherwise an
// *UndeliveredError counts the losses by reason. A service closes its
// emitter after its HTTP server has drained its handlers, with the rest of
// the same deadline.
//
// # What is sent
//
// Only the metadata of pecta.Event leaves the process: agent_id, tool,
// passed, total_latency_ms, timestamp and, per gate, name, passed,
// latency_ms, reason and skipped. pecta.Event has no field for an agent's
// input, its output or gate details. Requests carry the publishable key; the
// secret key never goes on the wire, in logs or in errors: only the
// signature computed with it (X-Pecta-Signature, see Sign and Verify; the
// telemetry/verify package checks it for receivers).
//
// # Delivery
//
// Batches of up to BatchSize events leave when full or after FlushInterval,
// each encoded and signed once, paced by a Budget within the organisation's
// ingest limit (500 requests a minute). Retries resend the same bytes; a 429
// pauses sending while Track keeps accepting; a refused key is reported once
// and probed, not retried per batch. By default the emitter samples per
// agent to what the budget carries (Config.SampleRate). Every event is
// counted: at every Stats snapshot Tracked + Replayed == Sent + Unconfirmed
// + Dropped + Pending, with drops by reason. Delivery is at least once. The
// optional disk spool (Config.Spool, the telemetry/spool module) keeps
// undelivered batches across a crash or a restart.
//
// # More
//
//   - [docs/telemetry.md]: configuration, delivery, accounting, Flush and Close
//   - [docs/telemetry-high-volume.md]: sampling, budgets, sizing the queue
//   - [docs/telemetry-spool.md]: the disk spool
//   - [docs/telemetry-design.md]: how it works inside
//
// [docs/telemetry.md]: https://github.com/pecta-ai/pecta-go/blob/main/docs/telemetry.md
// [docs/telemetry-high-volume.md]: https://github.com/pecta-ai/pecta-go/blob/main/docs/telemetry-high-volume.md
// [docs/telemetry-spool.md]: https://github.com/pecta-ai/pecta-go/blob/main/docs/telemetry-spool.md
// [docs/telemetry-design.md]: https://github.com/pecta-ai/pecta-go/blob/main/docs/telemetry-design.md
package telemetry
