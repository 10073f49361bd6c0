package pecta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// secretTexts are substrings that must never appear in printed output.
func secretTexts(keys ...string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k, k[8:20], k[20:36])
	}
	return out
}

func assertNoSecret(t *testing.T, what, s string, secrets []string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("%s leaks %q: %s", what, sec, s)
		}
	}
}

func TestNothingPrintsAKey(t *testing.T) {
	secrets := secretTexts(testPK, testSK)
	c, err := NewClient(testSK, WithSecretKey(testSK), WithBaseURL("http://127.0.0.1:1"), WithMaxRetries(NoRetries))
	if err != nil {
		t.Fatal(err)
	}
	s := newScript(t, reply(401, apiErr(401, "auth_invalid")))
	c2 := newTestClient(t, s.URL, testPK, WithSecretKey(testSK))
	_, ingestErr := c2.Ingest(context.Background(), []Event{{AgentID: "a"}})
	_, keyErr := NewClient(testPK + "x")
	_, secretErr := NewClient(testPK, WithSecretKey(testPK))
	pub, _ := NewClient(testPK)
	_, scopeErr := pub.Keys.List(context.Background())
	_, dialErr := c.Reputation(context.Background(), "a")
	created := &CreatedKey{Key: Key{ID: "key_1", Preview: NewAPIKey(testSK).Preview()}, Secret: NewAPIKey(testSK)}

	values := map[string]any{
		"client":        c,
		"client value":  *c,
		"created key":   created,
		"created value": *created,
		"ingest error":  ingestErr,
		"key error":     keyErr,
		"secret error":  secretErr,
		"scope error":   scopeErr,
		"dial error":    dialErr,
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			assertNoSecret(t, name+" "+verb, fmt.Sprintf(verb, v), secrets)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		assertNoSecret(t, name+" slog", buf.String(), secrets)
		if b, err := json.Marshal(v); err == nil {
			assertNoSecret(t, name+" json", string(b), secrets)
		}
	}
	for _, e := range []error{ingestErr, keyErr, secretErr, scopeErr, dialErr} {
		if e == nil {
			t.Fatal("expected an error")
		}
	}
	if !errors.Is(scopeErr, ErrSecretKeyRequired) {
		t.Errorf("scopeErr = %v", scopeErr)
	}
}

func TestLoggerNeverSeesKeys(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newScript(t, reply(503, ""), reply(200, `{"agents":[]}`))
	c := newTestClient(t, s.URL, testSK, WithLogger(log), WithSecretKey(testSK))
	if _, err := c.Agents.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "retrying") {
		t.Errorf("no retry logged: %s", buf.String())
	}
	assertNoSecret(t, "log", buf.String(), secretTexts(testSK))
	// keys never go in URLs
	for _, r := range s.requests() {
		assertNoSecret(t, "url", r.Path+"?"+r.RawQuery, secretTexts(testSK))
	}
}

func TestKeysCallsNeedSecretKeyLocally(t *testing.T) {
	s := newScript(t, reply(200, `{}`))
	c := newTestClient(t, s.URL, testPK)
	ctx := context.Background()
	_, e1 := c.Keys.Create(ctx, KeyCreateParams{Name: "x"})
	_, e2 := c.Keys.List(ctx)
	e3 := c.Keys.Revoke(ctx, "key_1")
	_, e4 := c.Keys.UsageLogs(ctx, UsageLogParams{})
	for i, err := range []error{e1, e2, e3, e4} {
		if !errors.Is(err, ErrSecretKeyRequired) {
			t.Errorf("call %d: err = %v", i, err)
		}
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests sent; want none", n)
	}
}

func TestHeaders(t *testing.T) {
	s := newScript(t, reply(200, `{"status":"ok"}`))
	c := newTestClient(t, s.URL, testPK, WithUserAgent("bidder/2.1"))
	if err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reputation(context.Background(), "a/b c"); err != nil {
		t.Fatal(err)
	}
	r := s.requests()
	if r[0].Header.Get("Authorization") != "" {
		t.Error("/health sent Authorization")
	}
	if got := r[1].Header.Get("Authorization"); got != "Bearer "+testPK {
		t.Errorf("Authorization = %q", got)
	}
	ua := r[1].Header.Get("User-Agent")
	if !strings.HasPrefix(ua, "bidder/2.1 pecta-go/"+Version+" (go") {
		t.Errorf("User-Agent = %q", ua)
	}
	if r[1].Path != "/v1/reputation/a/b c" {
		t.Errorf("path = %q", r[1].Path)
	}
	_ = http.StatusOK
}
