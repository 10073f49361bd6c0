// Package telemetry is a batching, HMAC-signing emitter of agent telemetry
// for POST /v1/ingest, built for hot paths such as RTB bidders.
//
// # Usage
//
//	em, err := telemetry.New(telemetry.Config{
//		PublishableKey: pecta.NewAPIKey(os.Getenv("PECTA_API_KEY")),    // pk_live_...
//		SecretKey:      pecta.NewAPIKey(os.Getenv("PECTA_SECRET_KEY")), // optional: sign batches
//	})
//	if err != nil { ... }  // *telemetry.ConfigError naming the field
//	defer em.Close(ctx)    // drains, bounded by ctx; reports any loss
//
//	err = em.Track(&pecta.Event{AgentID: "bidder-7", Passed: true, Gates: gates})
//
// An application that already has a *pecta.Client configures credentials
// once: NewFromClient(client, cfg) uses the client's publishable key, its
// secret key (WithSecretKey) for signing, its base URL and HTTP client.
//
// # Configuration
//
// Config follows the SDK's convention (README, "Configuration
// conventions"): a zero field means its documented default, a negative
// count means none (MaxRetries: no retries; RequestsPerMinute: no
// pacing). Durations are time.Duration values and have minimums (10ms for
// FlushInterval, RequestTimeout and RetryBudget; 1ms for the retry waits):
// FlushInterval: 5 is five nanoseconds, and New refuses it with a
// *ConfigError suggesting 5*time.Second. Keys are Key values (NewKey),
// which no printer shows in full: fmt, slog, encoding/json and gob, a
// testify diff, a print of a struct holding a Config all show
// "pk_live_...x7f9".
//
// # The hot path
//
// Track samples (see below), validates the event against the documented
// limits, copies it into the in-memory buffer of the P it runs on and
// returns. It never blocks on the network, on the flusher or on a full
// queue, never wakes another goroutine (a full batch waits on a lock-free
// stack for a sender, at most about a millisecond), does no I/O, allocates
// nothing in steady state and costs a few tens of nanoseconds for an event
// with three gates (see BenchmarkTrackHotPath and the README's figures).
// The caller may reuse its event as soon as Track returns. A zero
// Timestamp is stamped with the time of Track.
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
// FlushInterval, by two background senders, paced by the Budget so that no
// 60 s window holds more than RequestsPerMinute requests (500 by default,
// the documented limit); a request the budget lets go is filled from
// everything waiting, up to BatchSize events. Each batch body is built once and signed once; every
// retry resends the same bytes with the same X-Pecta-Signature header.
// A 429 pauses all sending for its Retry-After (capped by RetryAfterCap)
// while Track keeps accepting. 5xx answers, timeouts, resets and refused
// connections are retried with jittered exponential backoff within
// MaxRetries and RetryBudget. Any other 4xx drops the batch with reason
// "rejected:<code>" (for example "rejected:validation_error") and is
// reported to OnError. Delivery is at least once: a retry after a lost
// response can deliver a batch twice.
//
// # A refused key
//
// A 401 or 403 (a wrong, revoked or unscoped key, a secret key that does
// not match) is fatal for the key, not just the batch. The emitter reports
// it once, with an error matching ErrKeyRejected (and the pecta sentinel,
// such as pecta.ErrAuthInvalid), to OnError, and logs it at ERROR level to
// Config.Logger or, when none is set, to slog.Default(). The next Flush
// returns an *UndeliveredError for the refused events. Until a request
// succeeds, batches are dropped unsent with the reason of the refusal
// ("rejected:auth_invalid") and one batch at a time probes the key, after
// 1s, then at doubling intervals up to 1 minute: a revoked key costs about
// one request a minute instead of one per batch. When a probe is accepted
// (the key was restored or the server fixed) delivery resumes.
//
// # At high volume: sampling and budgets
//
// The ingest limit belongs to the organisation (500 requests of 100 events
// per rolling minute, for all its processes), so a busy bidder offers more
// than can be delivered. By default the emitter samples adaptively: Track
// first decides, by the event's AgentID, whether to keep it (before
// validating or copying it, so a sampled-out event costs a few tens of
// nanoseconds), and ten times a second the emitter shares the event rate
// its Budget grants among the agents by max-min fairness: agents under the
// fair level keep everything, heavier ones are sampled uniformly.
// Emitter.SampleRate gives an agent's current rate and Stats.KeptFraction
// the overall one. Config.SampleRate fixes the rate instead, and
// DisableAdaptiveSampling turns sampling off.
//
// A Budget paces the requests and grants the sampler its rate. The default
// LocalBudget paces one process and cuts its rate on 429 (AIMD), so a fleet
// without shared state settles near fair shares; the telemetry/redisbudget
// package shares one budget through Redis.
//
// # Accounting
//
// Every event passed to Track is counted, and at every Stats snapshot
// Tracked == Sent + Unconfirmed + Dropped + Pending. Sent counts events a
// 2xx answer confirmed; Unconfirmed those of a 2xx whose body confirmed no
// valid count (empty, garbled, truncated, or more accepted than sent):
// they are not retried, since the server took the request, and the first
// such answer is reported to OnError and Logger. Drops are counted by
// reason:
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
// Flush sends what is queued and waits for it; it returns an
// *UndeliveredError when events were dropped since the previous Flush. Close
// stops intake, sends what is left, waits for requests in flight and returns
// when everything is delivered or dropped or when its ctx ends; then
// requests in flight are aborted and the rest is counted as "shutdown".
// Close returns an *UndeliveredError covering every event dropped over the
// emitter's life (those a Flush reported included), so it never returns nil
// after a loss, and every Close call, concurrent or later, returns the same
// outcome. Close closes the idle connections of the emitter's own HTTP
// client (never a caller's) and no goroutine survives it. Flush and Close
// return an error for a nil ctx.
//
// # Surviving restarts: the disk spool
//
// With Config.SpoolDir set, a spooler goroutine encodes and signs every
// sealed batch once and writes it to a bbolt file in that directory before
// it is sent; senders deliver from the file, with the same bytes and
// signature on every attempt, and remove a batch only after a 2xx with a
// valid accepted count or a counted drop. Whatever Close cannot deliver by
// its deadline stays in the spool, and a SIGKILL or crash loses nothing
// that was written: the next emitter on the same directory delivers it
// first (Stats.Replayed counts it; then Tracked + Replayed == Sent +
// Unconfirmed + Dropped + Pending). On Linux the batches not yet written
// (open, or sealed and waiting for the spooler) keep their records in a
// shared file mapping in the same directory (arena.mmap), so that a
// SIGKILL, a panic or an OOM kill at any instant loses no event Track
// returned nil for: the next emitter re-queues them. That holds against a
// process kill, not a power loss or kernel crash (the arena is never
// fsynced); SyncSpool seals and waits until everything tracked is in the
// spool file, for producers that checkpoint a durable source. The arena's
// slots are part of the queue bound: with every slot taken (the spooler far
// behind) the Overflow policy applies. Elsewhere than Linux there is no
// arena and events not yet spooled are lost by a kill. The default fsync
// per write keeps spooled batches through a power loss too; SpoolNoSync
// trades that for speed. Records carry a length and a CRC-32C: a damaged one is skipped
// with reason "spool_corrupt" and the rest delivers. Records carry a
// fingerprint of the keys (never the keys): batches spooled under other
// keys are dropped with reason "spool_key_changed" rather than re-signed,
// because the new key must not vouch for bytes nobody can verify. One
// emitter owns a directory at a time (ErrSpoolLocked); a directory that
// cannot be used, or a full disk, makes the emitter keep events in memory
// and say so (Stats.SpoolError, an ERROR log record, OnError). MaxSpoolBytes
// bounds the spool; past it the Overflow policy drops, with reason
// "spool_full". Track does no disk work and no system call (a store into
// the mapping is a store into memory). CloseOnSignal closes the emitter
// on SIGTERM or SIGINT with a deadline.
//
// # Signing
//
// With Config.SecretKey every batch carries X-Pecta-Signature:
// "sha256=" + lowercase hex HMAC-SHA256 of the exact body, keyed with the
// secret key. Sign and Verify compute and check such headers (Verify in
// constant time, telling missing, malformed and mismatched signatures
// apart), and the telemetry/verify package checks incoming requests for receivers and
// proxies.
//
// The signature protects integrity only, not against replay: it binds no
// timestamp or nonce, so a captured request can be sent again and will
// verify. Deduplicate or bound freshness yourself if replays matter.
package telemetry
