// Package pectatest provides an in-process Pecta API server for tests, examples and users'
// own integration tests, in the spirit of net/http/httptest.
//
// NewServer starts a real HTTP server on a loopback port that implements the whole Pecta
// wire contract: POST /v1/evaluate, POST /v1/ingest (with HMAC verification), GET
// /v1/events, GET /v1/reputation/{agentId}, GET and POST /v1/agents, the key-management
// routes (/v1/keys, /v1/keys/{id}, /v1/usage/logs) and GET /health.
//
// # Keys
//
// The server provisions one publishable key (Server.PublishableKey) and one secret key
// (Server.SecretKey), both with scopes read and write, as pecta.APIKey values that print
// only their previews (Reveal gives the text); WithKeys chooses them and WithoutSecretKey
// leaves the organisation without a secret. Keys are stored as SHA-256 hashes, as Pecta
// does, with the one exception the signing scheme forces: a secret key is also the
// HMAC-SHA256 secret of signed ingest requests (X-Pecta-Signature: sha256=<hex>), and
// verifying an HMAC needs the secret itself, so the server keeps each secret key in memory
// (as a pecta.APIKey, never in an answer or a log) until it is revoked, as the real service
// must keep its signing secrets.
//
// # Key rotation
//
// The Pecta reference tells users to rotate keys (create a new key, update the
// application, revoke the old key) but not how a server verifies signatures meanwhile;
// what follows is this package's choice. An organisation holds any number of live keys of
// each kind, so a rotation has its overlap: a key created with POST /v1/keys (pecta's
// Keys.Create) or CreateKey authenticates at once, alongside the older keys, and every key
// authenticates until it is revoked; a revoked key gets 401 auth_revoked on its next request. A signed ingest request
// is verified against every live (not revoked) secret key of the organisation, in constant
// time each, and accepted when the signature matches any of them: during the overlap a
// batch signed under the old secret (still in flight, or spooled before the rotation) is
// accepted as one signed under the new; once the old secret key is revoked, a batch signed
// under it gets 401 hmac_invalid, and with no live secret key left a signed request gets
// 401 hmac_no_secret. Request.SignedWith names the key a signature matched.
//
// The key travels as "Authorization: Bearer <key>", the one header the Pecta
// authentication reference documents. A key sent as "X-API-Key: <key>" is refused (401
// auth_missing) unless WithXAPIKeyHeader is given, so that code which would fail in
// production fails its tests too.
//
// # Behaviour
//
// Every documented validation limit and error code is enforced, with the error body
// {"error": ..., "code": ..., "status": ...}. Reputation follows the documented formula
// over each agent's last 500 evaluations (from evaluate and ingest alike). Rate limits are
// enforced per rolling 60 s window: 500/min for POST /v1/ingest and 200/min for every other
// /v1 route (WithRateLimits, WithoutRateLimits). Some details the Pecta reference leaves
// open are this package's choices:
//
//   - A wrong method gets 405 method_not_allowed with an Allow header; an unknown /v1
//     route gets 404 not_found after authentication, any other path 404 at once.
//   - A 403 says which kind it is: secret_key_required for a publishable key on a
//     key-management route, insufficient_scope for a key without the read scope (every
//     GET) or the write scope (POST and DELETE on key routes). Pecta documents no 403 code;
//     a server that does not tell them apart would answer forbidden, which
//     pecta.ErrForbidden matches as it matches these two.
//   - Bodies over 5 MiB, and evaluate bodies over pecta.MaxEvaluateBytes (1 MiB, the limit
//     the client applies), get 413 with code validation_error.
//   - The cloud gates of evaluate are the generic gates of package pecta/gate with their
//     defaults (gate.CloudGates: filesystem, pii, content; 50 ms budget, every gate
//     judged), so the server and an in-process engine give the same verdicts and reasons
//     on the same output.
//   - An ingest event without "passed" counts as passed when all its gates passed or were
//     skipped. Events carrying input, output or gate details are refused
//     (validation_error), and one invalid event rejects the whole batch.
//   - Ingest answers reputation_updates as [{"agent_id", "score", "status"}], one per agent.
//   - POST /v1/agents answers {"agent_id", "registered": true, "first_seen", "last_seen",
//     "eval_count"}.
//   - GET /v1/usage/logs also takes offset (0..100000) and an inclusive from/to range (RFC
//     3339), as GET /v1/events does, so that pecta's Keys.AllUsageLogs can page.
//   - FailNext answers internal (500), bad_gateway (502), unavailable (503; also a request
//     cut short by Close) and gateway_timeout (504).
//   - Times are written as RFC 3339 UTC with milliseconds (2026-05-07T14:22:44.000Z).
//
// # Faults
//
// FailNext, FailNextRaw and ResetNext queue faults that the next requests get before
// anything else (authentication included), in the order they were set. On targets them at
// one route: srv.On("POST /v1/ingest").FailNext(1, 503, 0) fails the next ingest request
// and lets every other request through. SetLatency delays every request, Down and Up take
// the server off the network and back on the same address. Requests, Ingested and Stats
// show what the server received.
//
// # Clients
//
// Server.Client returns a *pecta.Client configured for the server (its URL, the
// publishable key, the secret key for signing), like httptest.Server.Client;
// Server.AdminClient one that holds the secret key, for key management and usage logs.
//
// # Telemetry
//
// Server.EmitterConfig returns a telemetry.Config for the server under which a test gets
// every event it tracks delivered, and fast: telemetry.New(srv.EmitterConfig()). Besides
// the server's keys, URL and a connection pool that Close cleans up, it sets
//
//   - SampleRate 1: keep every event. The default samples adaptively, per agent, to what
//     the organisation's ingest budget delivers (at most about 800 events/s): a test that
//     tracked 20,000 events with a default Config got 4,100 delivered and 15,900 counted
//     as "sampled" in Stats.DroppedByReason.
//   - RequestsPerMinute -1: no pacing. The default paces to the documented 500 ingest
//     requests a minute, and a new emitter starts at a fraction of that rate (it
//     slow-starts): a Flush of 20,000 events tracked at once (200 batches) took four
//     minutes.
//   - A FlushInterval of 20ms and retry waits of 1ms to 10ms, so that a partial batch
//     goes out at once and a retry after FailNext is quick.
//
// The server still enforces its ingest rate limit (500 requests per rolling minute)
// unless it is created WithoutRateLimits: an emitter that goes past it gets 429 and
// pauses for the Retry-After, as in production. A test that tracks steadily for more
// than a few seconds should create its server WithoutRateLimits.
//
// # Example
//
// A complete test of code that ingests through a flaky network (it compiles as is in a
// _test.go file):
//
//	package mypkg_test
//
//	import (
//		"context"
//		"net/http"
//		"testing"
//		"time"
//
//		"github.com/pecta-ai/pecta-go/pecta"
//		"github.com/pecta-ai/pecta-go/pecta/pectatest"
//	)
//
//	func TestIngestSurvivesA503(t *testing.T) {
//		srv := pectatest.NewServer()
//		defer srv.Close()
//		c := srv.Client(pecta.WithRetryWait(time.Millisecond, 10*time.Millisecond))
//		ctx := context.Background()
//
//		// Fail the first ingest attempt only: the Reputation call below passes.
//		srv.On("POST /v1/ingest").FailNext(1, http.StatusServiceUnavailable, 0)
//		if _, err := c.Reputation(ctx, "bidder-1"); err != nil {
//			t.Fatal(err)
//		}
//		ev := pecta.Event{AgentID: "bidder-1", Gates: []pecta.GateResult{{Name: "budget", Passed: true}}}
//		if _, err := c.Ingest(ctx, []pecta.Event{ev}); err != nil { // retried once
//			t.Fatal(err)
//		}
//
//		got := srv.Ingested()
//		if len(got) != 1 || !got[0].Passed || srv.Stats().Faulted != 1 {
//			t.Fatalf("ingested %+v after %d faults, want 1 passed event after 1", got, srv.Stats().Faulted)
//		}
//	}
package pectatest
