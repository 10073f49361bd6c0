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
// Counts and durations, here and in telemetry.Config, read zero as "the
// default" and a negative value as "none" (WithMaxRetries(NoRetries)), or
// as an error where "none" means nothing.
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
// Keys are rotated by creating new keys (c.Keys.Create), handing them to
// the running program, and revoking the old ones (c.Keys.Revoke). A client
// built with WithCredentials reads its keys from a *Credentials on every
// request attempt, so handing them over is one call, without a restart:
//
//	creds, err := pecta.NewCredentials(pk, sk) // sk: the zero APIKey if none
//	c, err := pecta.NewClient("", pecta.WithCredentials(creds))
//	...
//	err = creds.Update(newPK, newSK) // checked locally; on an error the old keys stay
//
// Update keeps the kind of the API key and whether there is a secret key.
// Reading the keys is lock-free. The same Credentials may be shared by
// several clients and emitters (telemetry.NewFromClient shares the
// client's). For keys a secret store mounts as files, call
// creds.UpdateFromFiles on a timer: unchanged files change nothing.
//
// # Errors
//
// A non-2xx answer is an *APIError with the status, the API's code and
// message, Retry-After and the request id, even when the body is empty or
// HTML. Match it with errors.Is and the sentinels (ErrRateLimited,
// ErrAuthRevoked, ErrServer ...). A 403 is ErrForbidden, and also
// ErrInsufficientScope (the key lacks a scope) or ErrSecretKeyRequired (the
// call needs a secret key) when the server says which. A 2xx that cannot be
// decoded is a *ResponseError; a request refused locally, before any I/O, a
// *ValidationError naming the field. Answers are decoded tolerantly
// (numbers as strings, unknown fields).
//
// # Retries
//
// GET and DELETE calls and Ingest are retried on network errors, 429 and
// 5xx with jittered exponential backoff, Retry-After as a floor; a wait
// that would pass the context's deadline returns the typed error at once.
// Evaluate, Keys.Create and Agents.Register are not idempotent: they are
// retried only when the connection could not be made.
//
// One more retry, for every call: a 401 answered to a request whose keys a
// Credentials.Update replaced while it was in flight (the generation of
// the credentials changed) is sent again at once, and once, with the keys
// in force, whatever WithMaxRetries says. This is safe even for Evaluate
// and Keys.Create: a 401 proves the server refused the request before
// acting on it. A retry after a 429 or 5xx carries the keys in force too.
//
// # Testing
//
// Package pectatest runs an in-process Pecta server: srv.Client() and
// srv.AdminClient() (secret key) return clients for it, and
// srv.On("POST /v1/ingest").FailNext(...) injects faults into one route.
//
// For telemetry from hot paths use package telemetry. Guides:
// https://github.com/pecta-ai/pecta-go/tree/main/docs.
package pecta
