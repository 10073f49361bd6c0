package pecta

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jarcoal/httpmock"
)

func TestAPIErrorDecoding(t *testing.T) {
	cases := []struct {
		name, body   string
		status       int
		header       http.Header
		code, msgHas string
		is           error
	}{
		{"envelope", `{"error":"agent_id is required","code":"validation_error","status":400}`, 400, nil, CodeValidation, "agent_id is required", ErrValidation},
		{"bad json", `{"error":"bad","code":"bad_json","status":400}`, 400, nil, CodeBadJSON, "bad", ErrBadJSON},
		{"auth missing", apiErr(401, "auth_missing"), 401, nil, CodeAuthMissing, "test error", ErrAuthMissing},
		{"auth format", apiErr(401, "auth_format"), 401, nil, CodeAuthFormat, "", ErrAuthFormat},
		{"auth invalid", apiErr(401, "auth_invalid"), 401, nil, CodeAuthInvalid, "", ErrAuthInvalid},
		{"auth revoked", apiErr(401, "auth_revoked"), 401, nil, CodeAuthRevoked, "", ErrAuthRevoked},
		{"hmac no secret", apiErr(401, "hmac_no_secret"), 401, nil, CodeHMACNoSecret, "", ErrHMACNoSecret},
		{"hmac invalid", apiErr(401, "hmac_invalid"), 401, nil, CodeHMACInvalid, "", ErrHMACInvalid},
		{"rate limited", apiErr(429, "rate_limited"), 429, http.Header{"Retry-After": {"7"}}, CodeRateLimited, "", ErrRateLimited},
		{"forbidden", apiErr(403, "forbidden"), 403, nil, CodeForbidden, "", ErrForbidden},
		{"insufficient scope", apiErr(403, "insufficient_scope"), 403, nil, CodeInsufficientScope, "", ErrInsufficientScope},
		{"secret key required", apiErr(403, "secret_key_required"), 403, nil, CodeSecretKeyRequired, "", ErrSecretKeyRequired},
		{"not found", apiErr(404, "not_found"), 404, nil, CodeNotFound, "", ErrNotFound},
		{"empty 502", "", 502, nil, "", "", ErrServer},
		{"html 502", "<html>\n<h1>502 Bad Gateway</h1></html>", 502, nil, "", "502 Bad Gateway", ErrServer},
		{"bare 429", "", 429, nil, "", "", ErrRateLimited},
		{"truncated", `{"error":"agent_id is req`, 400, nil, "", "unexpected body", nil},
		{"nested", `{"error":{"message":"nested msg","code":"forbidden"}}`, 403, nil, CodeForbidden, "nested msg", ErrForbidden},
		{"not utf8", "\xff\xfe\x00garbage", 500, nil, "", "garbage", ErrServer},
		{"huge", `{"error":"` + strings.Repeat("x", 100000) + `","code":"validation_error"}`, 400, nil, "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range c.header {
				h[k] = v
			}
			s := newScript(t, func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range h {
					w.Header()[k] = v
				}
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			})
			cl := newTestClient(t, s.URL, testPK, WithMaxRetries(NoRetries))
			_, err := cl.Agents.List(context.Background())
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.StatusCode != c.status || ae.Code != c.code {
				t.Errorf("status/code = %d/%q, want %d/%q", ae.StatusCode, ae.Code, c.status, c.code)
			}
			if !strings.Contains(ae.Message, c.msgHas) {
				t.Errorf("message %q lacks %q", ae.Message, c.msgHas)
			}
			if len(ae.Message) > maxMessage || !utf8.ValidString(ae.Error()) {
				t.Errorf("message not bounded/printable: %d bytes", len(ae.Message))
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, c.is)
			}
			if c.header.Get("Retry-After") == "7" && ae.RetryAfter != 7*time.Second {
				t.Errorf("RetryAfter = %v", ae.RetryAfter)
			}
			if !strings.HasPrefix(err.Error(), "pecta: agents.list: ") {
				t.Errorf("message %q lacks prefix", err.Error())
			}
		})
	}
}

func TestSentinelsDoNotCrossMatch(t *testing.T) {
	err := error(&APIError{StatusCode: 401, Code: "auth_revoked"})
	if !errors.Is(err, ErrAuthRevoked) || errors.Is(err, ErrAuthInvalid) || errors.Is(err, ErrServer) || errors.Is(err, ErrRateLimited) {
		t.Error("sentinel matching is wrong")
	}
}

// The two kinds of 403 are told apart with errors.Is, and both are
// ErrForbidden; a server that sends the generic code (or none) gives only
// ErrForbidden.
func TestForbiddenKinds(t *testing.T) {
	scope := error(&APIError{StatusCode: 403, Code: "insufficient_scope"})
	secret := error(&APIError{StatusCode: 403, Code: "secret_key_required"})
	generic := error(&APIError{StatusCode: 403, Code: "forbidden"})
	bare := error(&APIError{StatusCode: 403})
	local := error(&opError{op: "keys.list", err: ErrSecretKeyRequired})
	for _, c := range []struct {
		err           error
		scope, secret bool
	}{
		{scope, true, false}, {secret, false, true}, {generic, false, false}, {bare, false, false}, {local, false, true},
	} {
		if !errors.Is(c.err, ErrForbidden) || errors.Is(c.err, ErrInsufficientScope) != c.scope ||
			errors.Is(c.err, ErrSecretKeyRequired) != c.secret || errors.Is(c.err, ErrAuthInvalid) {
			t.Errorf("%v: matches wrong sentinels", c.err)
		}
	}
	if errors.Is(ErrForbidden, ErrSecretKeyRequired) || errors.Is(ErrInsufficientScope, ErrSecretKeyRequired) {
		t.Error("a parent matches its child")
	}
}

func FuzzAPIErrorDecode(f *testing.F) {
	f.Add(500, []byte(`{"error":"x","code":"rate_limited","status":429}`), "3")
	f.Add(502, []byte("<html>"), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(400, []byte(`{"error":{"message":1}}`), "")
	f.Fuzz(func(t *testing.T, status int, body []byte, ra string) {
		h := http.Header{}
		h.Set("Retry-After", ra)
		e := newAPIError(status, h, body)
		msg := e.Error()
		if len(e.Message) > maxMessage+len("unexpected body: ") || len(e.Code) > 64 {
			t.Fatalf("unbounded: %d %d", len(e.Message), len(e.Code))
		}
		if strings.ContainsAny(msg, "\r\n") {
			t.Fatalf("control characters in %q", msg)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
	})
}

func TestGarbageSuccessBodiesAreTyped(t *testing.T) {
	c := newTestClient(t, "https://api.pecta.ai", testPK, WithHTTPClient(&http.Client{}))
	httpmock.ActivateNonDefault(c.http)
	defer httpmock.DeactivateAndReset()
	cases := map[string]httpmock.Responder{
		"truncated":  httpmock.NewStringResponder(200, `{"agent_id":"a","score":5`),
		"html":       httpmock.NewStringResponder(200, `<html>ok</html>`),
		"empty":      httpmock.NewStringResponder(200, ``),
		"wrong type": httpmock.NewStringResponder(200, `{"agent_id":"a","score":"high"}`),
		"enormous":   httpmock.NewBytesResponder(200, append([]byte(`{"agent_id":"`), make([]byte, maxResponseBody+10)...)),
	}
	for name, r := range cases {
		httpmock.RegisterResponder("GET", "https://api.pecta.ai/v1/reputation/a", r)
		_, err := c.Reputation(context.Background(), "a")
		var re *ResponseError
		if !errors.As(err, &re) || re.StatusCode != 200 {
			t.Errorf("%s: err = %v, want *ResponseError", name, err)
		}
	}
}

func TestTolerantDecoding(t *testing.T) {
	c := newTestClient(t, "https://api.pecta.ai", testPK, WithHTTPClient(&http.Client{}))
	httpmock.ActivateNonDefault(c.http)
	defer httpmock.DeactivateAndReset()
	httpmock.RegisterResponder("GET", "https://api.pecta.ai/v1/reputation/a",
		httpmock.NewStringResponder(200, `{"agent_id":"a","score":712.0,"evaluations":"120","passed":1.1e2,"pass_rate":0.9,"avg_latency_ms":12,"streak":3,"status":"active","new_field":{"x":[1]}}`))
	r, err := c.Reputation(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	want := Reputation{AgentID: "a", Score: 712, Evaluations: 120, Passed: 110, PassRate: 0.9, AvgLatencyMS: 12, Streak: 3, Status: "active"}
	if *r != want {
		t.Errorf("got %+v, want %+v", *r, want)
	}
	httpmock.RegisterResponder("GET", "https://api.pecta.ai/v1/events",
		httpmock.NewStringResponder(200, `{"events":[{"id":17,"agent_id":"a","created_at":"2026-05-07T14:22:44Z","passed":true,"gates":[{"name":"pii","passed":true,"latency_ms":"0.5"}],"total_latency_ms":3,"tool_name":"t","reputation_score":500.0}],"limit":50.0,"offset":0,"count":1}`))
	p, err := c.Events.List(context.Background(), EventListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Count != 1 || p.Limit != 50 || p.Events[0].ID != "17" || p.Events[0].ReputationScore != 500 || p.Events[0].Gates[0].LatencyMS != 0.5 {
		t.Errorf("page = %+v", p)
	}
}

func TestServerTextIsSanitized(t *testing.T) {
	cases := []struct {
		status int
		body   string
	}{
		{401, `{"error":"unknown key ` + testPK + `","code":"auth_invalid"}`},
		{502, "<html><pre>Authorization: Bearer " + testSK + "</pre></html>"},
		{400, `{"error":"bad \u202e\u0085 input\nFAKE LOG LINE","code":"validation_error"}`},
	}
	for _, c := range cases {
		e := newAPIError(c.status, http.Header{"X-Request-Id": {"req " + testPK}}, []byte(c.body))
		msg := e.Error()
		if strings.Contains(msg, testPK[8:]) || strings.Contains(msg, testSK[8:]) {
			t.Errorf("echoed key in %q", msg)
		}
		if strings.ContainsAny(msg, "\u202e\u0085\n") {
			t.Errorf("control or bidi character in %q", msg)
		}
	}
	e := newAPIError(401, nil, []byte(cases[0].body))
	if !strings.Contains(e.Message, NewAPIKey(testPK).Preview()) {
		t.Errorf("the echoed key should become its preview: %q", e.Message)
	}
}
