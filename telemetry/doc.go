// Package telemetry is a batching, HMAC-signing emitter of agent telemetry
// for POST /v1/ingest, built for hot paths such as RTB bidders.
//
//	em, err := telemetry.New(telemetry.Config{
//		PublishableKey: pecta.NewAPIKey(os.Getenv("PECTA_API_KEY")),
//		SecretKey:      pecta.NewAPIKey(os.Getenv("PECTA_SECRET_KEY")), // optional: sign batches
//	})
//	if err != nil { ... }  // a *ConfigError names the field
//	err = em.Track(&pecta.Event{AgentID: "bidder-7", Passed: true, Gates: gates})
//	...
//	err = em.Close(ctx)    // delivers what is queued, within ctx's deadline
//
// Track never blocks, does no I/O, wakes no goroutine and allocates nothing
// in steady state. Only the metadata of pecta.Event leaves the process
// (pecta.Event has no field for input, output or gate details); the secret
// key never travels, only the signature of each batch (Sign, Verify; the
// telemetry/verify package checks it for receivers).
//
// Batches leave when full or after FlushInterval, encoded and signed once,
// paced by a Budget within the organisation's ingest limit, retried with
// the same bytes; by default the emitter samples per agent to what the
// budget carries. Every event is counted: at every Stats snapshot
// Tracked + Replayed == Sent + Unconfirmed + Dropped + Pending. A service
// closes its emitter after its HTTP server has drained its handlers, with
// the rest of the same deadline. The guides are docs/telemetry.md,
// docs/telemetry-high-volume.md, docs/telemetry-spool.md and
// docs/telemetry-design.md in the repository.
package telemetry
