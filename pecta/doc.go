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
// # Retries
//
// GET and DELETE calls and Ingest are retried on network errors, 429, 500,
// 502, 503 and 504 (three retries by default, WithMaxRetries), with
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
// whole contract; point a client at it with WithBaseURL(srv.URL).
//
// For high-volume telemetry from hot paths use package telemetry, which
// batches, signs and paces in the background and never blocks the caller.
package pecta
