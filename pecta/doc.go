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
// A client is safe for concurrent use; create one per process and share
// it. Every call takes a context first and returns typed errors. Services
// hang off the client: c.Agents, c.Events and c.Keys.
//
// # Keys
//
// Publishable keys (pk_live_) evaluate, ingest and read. Secret keys
// (sk_live_) may also manage keys, read usage logs and sign ingest bodies
// (WithSecretKey). APIKey holds a key so that nothing prints it: printers,
// errors and logs show a preview ("pk_live_...x7f9").
//
// # Key rotation
//
// A client built with WithCredentials reads its keys from a *Credentials
// on every request attempt, so new keys (c.Keys.Create) are handed over
// with one creds.Update, without a restart, before the old ones are
// revoked; a 401 answered under keys replaced in flight is retried once
// with the keys in force, whatever the call and WithMaxRetries (even
// Evaluate and Keys.Create: a 401 proves the server did nothing).
// docs/keys.md shows the whole rotation.
//
// # Errors
//
// A non-2xx answer is an *APIError (status, code, message, Retry-After,
// request id), matched with errors.Is and the sentinels (ErrRateLimited,
// ErrAuthRevoked, ErrServer, ErrForbidden ...). A 2xx that cannot be
// decoded is a *ResponseError; a request refused locally, before any I/O,
// a *ValidationError naming the field.
//
// # Retries
//
// GET and DELETE calls and Ingest are retried on network errors, 429 and
// 5xx with jittered exponential backoff, Retry-After as a floor; a wait
// that would pass the context's deadline returns the typed error at once.
// Evaluate, Keys.Create and Agents.Register are retried only when the
// connection could not be made.
//
// # Testing and telemetry
//
// Package pectatest runs an in-process Pecta server for tests; package
// telemetry sends events from hot paths. Guides are in the repository's
// docs directory.
package pecta
