// Package pecta is a typed client for the Pecta API, which scores AI
// agents: gates judge each agent output, results flow in as telemetry, and
// every agent gets a 0-1000 reputation.
//
// # Getting started
//
//	c, err := pecta.NewClient(os.Getenv("PECTA_API_KEY"))
//	if err != nil { ... }                  // a malformed key is caught here, locally
//	ev, err := c.Evaluate(ctx, pecta.EvaluateRequest{AgentID: "bidder-7", Output: out})
//
// A client is safe for concurrent use; create one per process and share it.
// Every call takes a context first and returns typed errors.
//
// # Configuration conventions
//
// One rule holds for every count and duration the SDK takes, in this
// package's options and in telemetry.Config alike: zero means "the
// default", and a negative value means "none" or "off" where that has a
// meaning, and is refused with an error where it has none. So
// WithMaxRetries(0) keeps the default of 3 retries and
// WithMaxRetries(NoRetries) (any negative count) makes one attempt;
// WithRetryWait(0, 0) and WithRetryAfterCap(0) keep their defaults, and a
// negative wait or cap is an error. Options and fields with the same job
// have the same name: WithRetryWait(min, max) here is RetryWaitMin and
// RetryWaitMax there.
//
// # Base URL
//
// The default is DefaultBaseURL. WithBaseURL takes scheme://host[:port],
// optionally with the path prefix a proxy mounts the API under; the client
// appends /v1/... itself. NewClient refuses a URL with an API version
// segment ("https://api.pecta.ai/v1"), a query, a fragment or userinfo,
// naming the URL to use instead.
//
// # Keys
//
// Publishable keys (pk_live_) may evaluate, ingest and read. Secret keys
// (sk_live_) may also manage keys, and sign ingest bodies. Keys are checked
// locally by NewClient; the error says what is wrong and never contains the
// key. APIKey and Client print only a preview ("pk_live_...x7f9") through
// fmt, slog and JSON.
//
// # Errors
//
// Every non-2xx answer is an *APIError carrying the HTTP status, the API's
// code and message, Retry-After and the request id. Match codes with
// errors.Is and the sentinels (ErrRateLimited, ErrAuthRevoked,
// ErrHMACInvalid, ErrServer ...), or inspect the struct with errors.As.
// Bodies that are empty, HTML or truncated still give an *APIError; a 2xx
// whose body cannot be decoded gives a *ResponseError. Requests refused
// locally give a *ValidationError naming the field.
//
// # Events
//
// An Event carries metadata only: agent id, tool, gate results, outcome,
// latency, timestamp. Its strings must be valid UTF-8 (invalid bytes would
// reach the server as U+FFFD, so distinct ids could collide), within the
// documented lengths: agent id 1..200 characters, tool and gate names at
// most 200, reasons at most 500, at most 50 gates. An event passes only
// when every gate passed or was skipped: with gates, Passed is derived from
// them, and Passed true next to a failed gate is refused (see Event).
// Validate reports any problem as a *ValidationError naming the field,
// without allocating when there is none. Events round-trip through
// encoding/json.
//
// # Request limits
//
// Evaluate refuses, before sending anything, a request whose JSON body
// exceeds MaxEvaluateBytes (1 MiB); Ingest takes 1..100 events.
//
// # Retries
//
// GET and DELETE calls and Ingest are retried on network errors, 429, 500,
// 502, 503 and 504 (three retries by default; WithMaxRetries, NoRetries), with
// jittered exponential backoff. A server's Retry-After, in seconds or as an
// HTTP date, is a floor on the wait, capped at 30 s (WithRetryAfterCap).
// Waits end when the context does, and a wait that would pass the
// context's deadline is not started: the call returns the typed error at
// once. Evaluate, Keys.Create and Agents.Register are not idempotent and
// are retried only when the connection could not be made. When retries run
// out the error still carries the last status, code and Retry-After.
//
// # Signing
//
// With WithSecretKey, Ingest sends X-Pecta-Signature: sha256=<hex>, the
// HMAC-SHA256 of the exact body under the secret key. The secret itself is
// never sent. The scheme binds no timestamp or nonce: it proves integrity
// and origin, not freshness, so it does not protect against replay.
//
// # Testing
//
// Package pectatest runs an in-process Pecta server that implements the
// whole contract; srv.Client() returns a client configured for it, and
// srv.On("POST /v1/ingest").FailNext(...) injects faults into one route.
//
// For high-volume telemetry from hot paths use package telemetry, which
// batches, signs and paces in the background and never blocks the caller.
package pecta
