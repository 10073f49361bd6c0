package pecta_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/internal/clientlink"
	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

// End-to-end tests: the client over real loopback HTTP against pectatest.

func newPair(t *testing.T, key func(*pectatest.Server) string, sopts []pectatest.Option, copts ...pecta.Option) (*pectatest.Server, *pecta.Client) {
	t.Helper()
	srv := pectatest.NewServer(sopts...)
	t.Cleanup(srv.Close)
	copts = append([]pecta.Option{pecta.WithBaseURL(srv.URL), pecta.WithRetryWait(time.Millisecond, 5*time.Millisecond)}, copts...)
	c, err := pecta.NewClient(key(srv), copts...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// postIngest posts body as it is, through the emitter's transport (a
// client's ingest path takes only valid events).
func postIngest(t *testing.T, c *pecta.Client, body string) error {
	link, ok := clientlink.Inspect(c)
	if !ok {
		t.Fatal("clientlink.Inspect refused a client")
	}
	_, err := link.IngestBatch(context.Background(), []byte(body), "", nil)
	return err
}

func pk(s *pectatest.Server) string { return s.PublishableKey.Reveal() }
func sk(s *pectatest.Server) string { return s.SecretKey.Reveal() }

func TestE2EHappyPaths(t *testing.T) {
	srv := pectatest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	c, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL), pecta.WithSecretKey(srv.SecretKey.Reveal()))
	if err != nil {
		t.Fatal(err)
	}

	if err := c.Health(ctx); err != nil {
		t.Fatalf("Health: %v", err)
	}
	a, err := c.Agents.Register(ctx, "agent/with spaces✓")
	if err != nil || a.AgentID != "agent/with spaces✓" {
		t.Fatalf("Register: %v %+v", err, a)
	}
	if _, err := c.Agents.Register(ctx, "agent/with spaces✓"); err != nil {
		t.Fatalf("Register twice (idempotent): %v", err)
	}

	ok, err := c.Evaluate(ctx, pecta.EvaluateRequest{AgentID: "agent/with spaces✓", Output: "hello", LatencyMS: 20})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if !ok.Passed || len(ok.Gates) != 3 || ok.EvaluationID == "" || ok.Reputation.EvalCount != 1 {
		t.Errorf("clean evaluation = %+v", ok)
	}
	bad, err := c.Evaluate(ctx, pecta.EvaluateRequest{AgentID: "agent/with spaces✓", Output: map[string]string{"cmd": "rm -rf /"}})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if bad.Passed {
		t.Error("rm -rf / passed the gates")
	}

	events := []pecta.Event{
		{AgentID: "agent/with spaces✓", Tool: "bid", Passed: true, TotalLatencyMS: 10, Gates: []pecta.GateResult{{Name: "pii", Passed: true, LatencyMS: 1}}},
		{AgentID: "other", Passed: false, Gates: []pecta.GateResult{{Name: "budget", Passed: false, Reason: "over"}, {Name: "x", Skipped: true, Passed: true}}},
	}
	res, err := c.Ingest(ctx, events)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if res.Accepted != 2 || len(res.ReputationUpdates) != 2 {
		t.Errorf("Ingest = %+v", res)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if !last.Signed || !last.SignatureValid {
		t.Errorf("ingest signature not verified by the server: signed=%v valid=%v", last.Signed, last.SignatureValid)
	}
	if bytes.Contains(last.Body, []byte(srv.SecretKey.Reveal())) || strings.Contains(last.Header.Get("Authorization"), srv.SecretKey.Reveal()) {
		t.Error("secret key on the wire")
	}
	got := srv.Ingested()
	if len(got) != 2 || got[1].Gates[0].Reason != "over" || !got[1].Gates[1].Skipped {
		t.Errorf("Ingested = %+v", got)
	}

	// reputation: 1 pass (20 ms) + 1 fail (0 ms latency from gates) + 1 pass (10 ms)
	rep, err := c.Reputation(ctx, "agent/with spaces✓")
	if err != nil {
		t.Fatalf("Reputation: %v", err)
	}
	if rep.Evaluations != 3 || rep.Passed != 2 || rep.Streak != 1 || rep.Status != pecta.LifecycleCalibrating {
		t.Errorf("Reputation = %+v", rep)
	}
	wantScore := int(math.Floor(rep.PassRate*400 + math.Max(0, 1-rep.AvgLatencyMS/100)*250 + 1.0/50*200 + 3.0/500*150))
	if rep.Score != wantScore {
		t.Errorf("score = %d, want %d by the documented formula", rep.Score, wantScore)
	}
	unknown, err := c.Reputation(ctx, "never-seen")
	if err != nil || unknown.Score != 0 || unknown.Status != pecta.LifecycleNew {
		t.Errorf("unknown agent: %v %+v", err, unknown)
	}

	yes := true
	page, err := c.Events.List(ctx, pecta.EventListParams{AgentID: "agent/with spaces✓", Passed: &yes, Limit: 10})
	if err != nil {
		t.Fatalf("Events.List: %v", err)
	}
	if page.Count != 2 || page.Limit != 10 {
		t.Errorf("page = %+v", page)
	}
	n := 0
	for ev, err := range c.Events.All(ctx, pecta.EventListParams{Limit: 1}) {
		if err != nil {
			t.Fatalf("Events.All: %v", err)
		}
		if ev.AgentID == "" || ev.CreatedAt.IsZero() {
			t.Errorf("event = %+v", ev)
		}
		n++
	}
	if n != 4 {
		t.Errorf("Events.All yielded %d, want 4", n)
	}
	agents, err := c.Agents.List(ctx)
	if err != nil || len(agents) != 2 {
		t.Fatalf("Agents.List: %v %+v", err, agents)
	}
}

func TestE2EKeyManagement(t *testing.T) {
	srv, admin := newPair(t, sk, nil)
	ctx := context.Background()
	created, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "ci", Scopes: []string{pecta.ScopeRead}})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !created.Secret.IsPublishable() || created.Preview != created.Secret.Preview() || created.ID == "" {
		t.Errorf("created = %+v", created)
	}
	keys, err := admin.Keys.List(ctx)
	if err != nil || len(keys) != 3 {
		t.Fatalf("List: %v %d", err, len(keys))
	}
	for _, k := range keys {
		if strings.Contains(k.Preview, created.Secret.Reveal()[8:20]) || len(k.Preview) != 15 {
			t.Errorf("list shows more than a preview: %q", k.Preview)
		}
	}
	user, _ := pecta.NewClient(created.Secret.Reveal(), pecta.WithBaseURL(srv.URL))
	if _, err := user.Reputation(ctx, "a"); err != nil {
		t.Fatalf("new key: %v", err)
	}
	logs, err := admin.Keys.UsageLogs(ctx, pecta.UsageLogParams{APIKeyID: created.ID})
	if err != nil || len(logs) != 1 || logs[0].StatusCode != 200 || logs[0].Path != "/v1/reputation/a" {
		t.Fatalf("UsageLogs: %v %+v", err, logs)
	}
	if err := admin.Keys.Revoke(ctx, created.ID); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if err := admin.Keys.Revoke(ctx, created.ID); err != nil {
		t.Fatalf("Revoke twice: %v", err)
	}
	if _, err := user.Reputation(ctx, "a"); !errors.Is(err, pecta.ErrAuthRevoked) {
		t.Fatalf("revoked key: %v", err)
	}
	keys, _ = admin.Keys.List(ctx)
	for _, k := range keys {
		if k.ID == created.ID && k.RevokedAt == nil {
			t.Error("revoked_at not set")
		}
	}
}

// stripAuth is a transport that rewrites the Authorization header, as a
// misbehaving proxy might.
type rewriteAuth struct{ value string }

func (r rewriteAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if r.value == "" {
		req.Header.Del("Authorization")
	} else {
		req.Header.Set("Authorization", r.value)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// rewritePath sends a request for one path to another.
type rewritePath struct{ from, to string }

func (r rewritePath) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if req.URL.Path == r.from {
		req.URL.Path = r.to
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestE2EEveryDocumentedErrorCode(t *testing.T) {
	ctx := context.Background()
	type tc struct {
		name   string
		status int
		code   string
		is     error
		run    func(t *testing.T) error
	}
	cases := []tc{
		{"validation_error", 400, pecta.CodeValidation, pecta.ErrValidation, func(t *testing.T) error {
			_, c := newPair(t, pk, nil)
			return postIngest(t, c, `{"events":[{"agent_id":"a","output":"leaked payload"}]}`)
		}},
		{"bad_json", 400, pecta.CodeBadJSON, pecta.ErrBadJSON, func(t *testing.T) error {
			_, c := newPair(t, pk, nil)
			return postIngest(t, c, `{"events":[`)
		}},
		{"auth_missing", 401, pecta.CodeAuthMissing, pecta.ErrAuthMissing, func(t *testing.T) error {
			_, c := newPair(t, pk, nil, pecta.WithHTTPClient(&http.Client{Transport: rewriteAuth{}}))
			_, err := c.Agents.List(ctx)
			return err
		}},
		{"auth_format", 401, pecta.CodeAuthFormat, pecta.ErrAuthFormat, func(t *testing.T) error {
			_, c := newPair(t, pk, nil, pecta.WithHTTPClient(&http.Client{Transport: rewriteAuth{"Bearer pk_live_tooshort"}}))
			_, err := c.Agents.List(ctx)
			return err
		}},
		{"auth_invalid", 401, pecta.CodeAuthInvalid, pecta.ErrAuthInvalid, func(t *testing.T) error {
			srv := pectatest.NewServer()
			t.Cleanup(srv.Close)
			c, _ := pecta.NewClient("pk_live_00000000000000000000000000000000", pecta.WithBaseURL(srv.URL))
			_, err := c.Agents.List(ctx)
			return err
		}},
		{"auth_revoked", 401, pecta.CodeAuthRevoked, pecta.ErrAuthRevoked, func(t *testing.T) error {
			srv, admin := newPair(t, sk, nil)
			keys, _ := admin.Keys.List(ctx)
			for _, k := range keys {
				if k.Type == pecta.KeyTypePublishable {
					if err := admin.Keys.Revoke(ctx, k.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			c, _ := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL))
			_, err := c.Evaluate(ctx, pecta.EvaluateRequest{AgentID: "a", Output: 1})
			return err
		}},
		{"hmac_no_secret", 401, pecta.CodeHMACNoSecret, pecta.ErrHMACNoSecret, func(t *testing.T) error {
			_, c := newPair(t, pk, []pectatest.Option{pectatest.WithoutSecretKey()}, pecta.WithSecretKey("sk_live_abcdefghijklmnopqrstuvwxyz012345"))
			_, err := c.Ingest(ctx, []pecta.Event{{AgentID: "a"}})
			return err
		}},
		{"hmac_invalid", 401, pecta.CodeHMACInvalid, pecta.ErrHMACInvalid, func(t *testing.T) error {
			_, c := newPair(t, pk, nil, pecta.WithSecretKey("sk_live_abcdefghijklmnopqrstuvwxyz012345"))
			_, err := c.Ingest(ctx, []pecta.Event{{AgentID: "a"}})
			return err
		}},
		{"rate_limited", 429, pecta.CodeRateLimited, pecta.ErrRateLimited, func(t *testing.T) error {
			_, c := newPair(t, pk, []pectatest.Option{pectatest.WithRateLimits(500, 2)})
			for range 2 {
				if _, err := c.Agents.List(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// the window frees up in ~60s: past this deadline, so no wait starts
			dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_, err := c.Agents.List(dctx)
			var ae *pecta.APIError
			if errors.As(err, &ae) && (ae.RetryAfter < 50*time.Second || ae.RetryAfter > 61*time.Second) {
				t.Errorf("Retry-After = %v", ae.RetryAfter)
			}
			return err
		}},
		{"insufficient_scope", 403, pecta.CodeInsufficientScope, pecta.ErrInsufficientScope, func(t *testing.T) error {
			srv := pectatest.NewServer()
			t.Cleanup(srv.Close)
			_, roKey := srv.CreateKey("read-only", "secret", "read")
			c, _ := pecta.NewClient(roKey.Reveal(), pecta.WithBaseURL(srv.URL))
			if _, err := c.Keys.List(ctx); err != nil {
				t.Fatalf("read scope cannot list: %v", err)
			}
			_, err := c.Keys.Create(ctx, pecta.KeyCreateParams{Name: "x"})
			return err
		}},
		{"secret_key_required", 403, pecta.CodeSecretKeyRequired, pecta.ErrSecretKeyRequired, func(t *testing.T) error {
			// the client refuses locally; a raw request with a publishable key
			// gets the server's answer
			_, c := newPair(t, pk, nil, pecta.WithHTTPClient(&http.Client{Transport: rewritePath{"/v1/agents", "/v1/keys"}}))
			_, err := c.Agents.List(ctx)
			return err
		}},
		{"not_found", 404, pecta.CodeNotFound, pecta.ErrNotFound, func(t *testing.T) error {
			_, admin := newPair(t, sk, nil)
			return admin.Keys.Revoke(ctx, "key_doesnotexist")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run(t)
			var ae *pecta.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.StatusCode != c.status || ae.Code != c.code || !errors.Is(err, c.is) || ae.Message == "" {
				t.Errorf("APIError = %+v, want %d %s", ae, c.status, c.code)
			}
			if c.status == http.StatusForbidden && !errors.Is(err, pecta.ErrForbidden) {
				t.Errorf("a 403 does not match ErrForbidden: %v", err)
			}
		})
	}
}

func TestE2EFaults(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, pk, nil, pecta.WithSecretKey("sk_live_abcdefghijklmnopqrstuvwxyz012345"))
	srv2, c2 := newPair(t, pk, nil)

	// 503, 503, then the real server: the ingest succeeds, three identical
	// bodies and signatures were sent.
	srv.FailNext(2, http.StatusServiceUnavailable, 0)
	if _, err := c.Ingest(ctx, []pecta.Event{{AgentID: "a", Passed: true}}); err == nil {
		t.Fatal("want hmac_invalid from the real server after the faults") // wrong secret on purpose
	} else if !errors.Is(err, pecta.ErrHMACInvalid) {
		t.Fatalf("err = %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d", len(reqs))
	}
	for _, r := range reqs {
		if !bytes.Equal(r.Body, reqs[0].Body) || r.Header.Get("X-Pecta-Signature") != reqs[0].Header.Get("X-Pecta-Signature") {
			t.Error("retry changed body or signature")
		}
	}

	// a reset connection is retried for GETs
	srv2.ResetNext(1)
	if _, err := c2.Agents.List(ctx); err != nil {
		t.Fatalf("after reset: %v", err)
	}

	// HTML from a proxy is still typed
	srv2.FailNextRaw(1, 502, "<html>bad gateway</html>", http.Header{"Content-Type": {"text/html"}})
	if _, err := c2.Evaluate(ctx, pecta.EvaluateRequest{AgentID: "a", Output: 1}); !errors.Is(err, pecta.ErrServer) {
		t.Fatalf("err = %v", err)
	}

	// server down: a typed network error, then back up
	srv2.Down()
	_, err := c2.Agents.List(ctx)
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Fatalf("down: err = %v", err)
	}
	if err := srv2.Up(); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Agents.List(ctx); err != nil {
		t.Fatalf("after Up: %v", err)
	}

	// a stalled server: the context bounds the call
	srv2.SetLatency(time.Hour)
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c2.Agents.List(dctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled: err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("stalled call took %v", el)
	}
}
