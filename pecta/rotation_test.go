package pecta

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/pecta-ai/pecta-go/internal/clientlink"
	"github.com/pecta-ai/pecta-go/internal/hmacsig"
)

// rotate returns a handler that replaces c's keys, as an operator would
// while the request is in flight, then answers with h.
func rotate(t *testing.T, c *Credentials, apiKey, secretKey string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := c.Update(NewAPIKey(apiKey), NewAPIKey(secretKey)); err != nil {
			t.Error(err)
		}
		h(w, r)
	}
}

func bearer(r recorded) string { return r.Header.Get("Authorization") }

func TestEveryRequestReadsTheCurrentKeys(t *testing.T) {
	creds := mustCreds(t, testPK, testSK)
	s := newScript(t, reply(200, `{"agent_id":"a"}`))
	c := newTestClient(t, s.URL, "", WithCredentials(creds))
	ctx := context.Background()
	ev := []Event{{AgentID: "a"}}
	if _, err := c.Reputation(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ingest(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := creds.Update(NewAPIKey(testPK2), NewAPIKey(testSK2)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reputation(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ingest(ctx, ev); err != nil {
		t.Fatal(err)
	}
	r := s.requests()
	for i, want := range []string{testPK, testPK, testPK2, testPK2} {
		if bearer(r[i]) != "Bearer "+want {
			t.Errorf("request %d: Authorization %q, want the key of its time", i, bearer(r[i]))
		}
	}
	if err := hmacsig.Verify(r[1].Body, r[1].Header.Get(hmacsig.Header), testSK); err != nil {
		t.Errorf("first ingest: %v", err)
	}
	if err := hmacsig.Verify(r[3].Body, r[3].Header.Get(hmacsig.Header), testSK2); err != nil {
		t.Errorf("ingest after the update not signed under the new secret: %v", err)
	}
	if got := c.String(); got != "pecta.Client{base: "+s.URL+", key: "+NewAPIKey(testPK2).Preview()+", signing: "+NewAPIKey(testSK2).Preview()+"}" {
		t.Errorf("String() = %s", got)
	}
}

// A 401 to a request whose keys were replaced while it was in flight is
// sent again, once, with the keys in force: for every kind of call,
// including the non-idempotent ones and with retries turned off, since a
// 401 proves the request was refused.
func TestUnauthorizedUnderReplacedKeysRetriedOnce(t *testing.T) {
	ctx := context.Background()
	calls := []struct {
		name    string
		key     [2]string // the keys before and after
		ok      string    // the answer to the retry
		call    func(c *Client) error
		signed  bool
		retries []Option
	}{
		{"evaluate", [2]string{testPK, testPK2}, `{"evaluation_id":"e","passed":true}`, func(c *Client) error {
			_, err := c.Evaluate(ctx, EvaluateRequest{AgentID: "a", Output: "x"})
			return err
		}, false, nil},
		{"evaluate without retries", [2]string{testPK, testPK2}, `{"evaluation_id":"e","passed":true}`, func(c *Client) error {
			_, err := c.Evaluate(ctx, EvaluateRequest{AgentID: "a", Output: "x"})
			return err
		}, false, []Option{WithMaxRetries(NoRetries)}},
		{"keys.create", [2]string{testSK, testSK2}, `{"id":"key_1","key":"` + testPK2 + `"}`, func(c *Client) error {
			_, err := c.Keys.Create(ctx, KeyCreateParams{Name: "n"})
			return err
		}, false, nil},
		{"agents.register", [2]string{testPK, testPK2}, `{"agent_id":"a","registered":true}`, func(c *Client) error {
			_, err := c.Agents.Register(ctx, "a")
			return err
		}, false, nil},
		{"ingest", [2]string{testPK, testPK2}, `{"accepted":1}`, func(c *Client) error {
			_, err := c.Ingest(ctx, []Event{{AgentID: "a"}})
			return err
		}, true, nil},
		{"keys.list", [2]string{testSK, testSK2}, `{"keys":[]}`, func(c *Client) error {
			_, err := c.Keys.List(ctx)
			return err
		}, false, nil},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			secret, secret2 := "", ""
			if tt.signed {
				secret, secret2 = testSK, testSK2
			}
			creds := mustCreds(t, tt.key[0], secret)
			s := newScript(t, rotate(t, creds, tt.key[1], secret2, reply(401, apiErr(401, CodeAuthRevoked))), reply(200, tt.ok))
			c := newTestClient(t, s.URL, "", append([]Option{WithCredentials(creds)}, tt.retries...)...)
			if err := tt.call(c); err != nil {
				t.Fatalf("err = %v, want the retry's success", err)
			}
			r := s.requests()
			if len(r) != 2 || bearer(r[0]) != "Bearer "+tt.key[0] || bearer(r[1]) != "Bearer "+tt.key[1] {
				t.Fatalf("%d requests, want 2: first under the old key, then under the new", len(r))
			}
			if string(r[0].Body) != string(r[1].Body) {
				t.Error("the retry sent another body")
			}
			if tt.signed {
				if err := hmacsig.Verify(r[1].Body, r[1].Header.Get(hmacsig.Header), secret2); err != nil {
					t.Errorf("retry not signed under the new secret: %v", err)
				}
			}
		})
	}
}

func TestUnauthorizedRetriedOnlyUnderReplacedKeys(t *testing.T) {
	ctx := context.Background()
	t.Run("keys unchanged", func(t *testing.T) {
		creds := mustCreds(t, testPK, "")
		s := newScript(t, reply(401, apiErr(401, CodeAuthRevoked)))
		c := newTestClient(t, s.URL, "", WithCredentials(creds))
		_, err := c.Reputation(ctx, "a")
		var ae *APIError
		if !errors.Is(err, ErrAuthRevoked) || !errors.As(err, &ae) || ae.Attempts != 1 {
			t.Fatalf("err = %v, want auth_revoked after 1 attempt", err)
		}
		if n := len(s.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("replaced twice", func(t *testing.T) {
		creds := mustCreds(t, testPK, "")
		s := newScript(t,
			rotate(t, creds, testPK2, "", reply(401, apiErr(401, CodeAuthRevoked))),
			rotate(t, creds, testPK, "", reply(401, apiErr(401, CodeAuthInvalid))))
		c := newTestClient(t, s.URL, "", WithCredentials(creds))
		_, err := c.Evaluate(ctx, EvaluateRequest{AgentID: "a", Output: "x"})
		var ae *APIError
		if !errors.Is(err, ErrAuthInvalid) || !errors.As(err, &ae) || ae.Attempts != 2 {
			t.Fatalf("err = %v, want the second 401 after 2 attempts", err)
		}
		if n := len(s.requests()); n != 2 {
			t.Errorf("%d requests, want 2: one retry only", n)
		}
	})
	t.Run("other statuses", func(t *testing.T) {
		creds := mustCreds(t, testPK, "")
		s := newScript(t, rotate(t, creds, testPK2, "", reply(403, apiErr(403, CodeForbidden))))
		c := newTestClient(t, s.URL, "", WithCredentials(creds))
		if _, err := c.Reputation(ctx, "a"); !errors.Is(err, ErrForbidden) {
			t.Fatalf("err = %v", err)
		}
		if n := len(s.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("the auth retry does not use up the retry budget", func(t *testing.T) {
		creds := mustCreds(t, testPK, "")
		s := newScript(t,
			rotate(t, creds, testPK2, "", reply(401, apiErr(401, CodeAuthRevoked))),
			reply(503, ""), reply(503, ""), reply(200, `{"agents":[]}`))
		c := newTestClient(t, s.URL, "", WithCredentials(creds), WithMaxRetries(2))
		if _, err := c.Agents.List(ctx); err != nil {
			t.Fatalf("err = %v", err)
		}
		if n := len(s.requests()); n != 4 {
			t.Errorf("%d requests, want 4", n)
		}
	})
}

// A retry after a 5xx carries the keys in force when it leaves: an Update
// during the backoff applies to it, and the signature follows the secret.
func TestRetryAfterUpdateCarriesNewKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		creds := mustCreds(t, testPK, testSK)
		var mu sync.Mutex
		var seen []*http.Request
		var bodies [][]byte
		h := func(status int, body string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				b := make([]byte, r.ContentLength)
				_, _ = r.Body.Read(b)
				mu.Lock()
				seen, bodies = append(seen, r), append(bodies, b)
				mu.Unlock()
				reply(status, body)(w, r)
			}
		}
		c, err := NewClient("", WithCredentials(creds), WithBaseURL("https://api.pecta.ai"),
			WithHTTPClient(&http.Client{Transport: &inMemory{h: []http.HandlerFunc{h(503, ""), h(503, ""), h(202, `{"accepted":1}`)}}}))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		go func() {
			_, err := c.Ingest(context.Background(), []Event{{AgentID: "a"}})
			done <- err
		}()
		synctest.Wait() // the first attempt failed; the client waits to retry
		if err := creds.Update(NewAPIKey(testPK2), NewAPIKey(testSK2)); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(seen) != 3 {
			t.Fatalf("%d attempts", len(seen))
		}
		if seen[0].Header.Get("Authorization") != "Bearer "+testPK || seen[2].Header.Get("Authorization") != "Bearer "+testPK2 {
			t.Error("the retries after the update did not carry the new key")
		}
		if err := hmacsig.Verify(bodies[2], seen[2].Header.Get(hmacsig.Header), testSK2); err != nil {
			t.Errorf("last attempt: %v", err)
		}
		if seen[1].Header.Get(hmacsig.Header) != seen[2].Header.Get(hmacsig.Header) {
			t.Error("retries under the same keys carry different signatures")
		}
	})
}

func TestWithCredentialsReplacesKeyOptions(t *testing.T) {
	creds := mustCreds(t, testPK2, testSK2)
	s := newScript(t, reply(202, `{"accepted":1}`))
	c := newTestClient(t, s.URL, testPK, WithSecretKey(testSK), WithCredentials(creds))
	if _, err := c.Ingest(context.Background(), []Event{{AgentID: "a"}}); err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	if bearer(r) != "Bearer "+testPK2 || hmacsig.Verify(r.Body, r.Header.Get(hmacsig.Header), testSK2) != nil {
		t.Error("the credentials' keys were not used")
	}
	// a secret key in the credentials makes Keys calls possible
	admin := newTestClient(t, s.URL, "", WithCredentials(mustCreds(t, testSK, "")))
	if err := admin.Keys.needSecret("keys.list"); err != nil {
		t.Error(err)
	}
	if err := newClientOn(t, mustCreds(t, testPK, "")).Keys.needSecret("keys.list"); !errors.Is(err, ErrSecretKeyRequired) {
		t.Errorf("needSecret = %v", err)
	}
}

// The emitter's hook shares the client's credentials and reads them on
// every call.
func TestClientLinkSharesCredentials(t *testing.T) {
	creds := mustCreds(t, testPK, testSK)
	s := newScript(t, reply(202, `{"accepted":1}`))
	c := newTestClient(t, s.URL, "", WithCredentials(creds))
	link, ok := clientlink.Inspect(c)
	if !ok || link.Credentials.(*Credentials) != creds {
		t.Fatal("clientlink does not expose the client's credentials")
	}
	body := []byte(`{"events":[{"agent_id":"a"}]}`)
	ctx := context.Background()
	if _, err := link.IngestBatch(ctx, body, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := creds.Update(NewAPIKey(testPK2), NewAPIKey(testSK2)); err != nil {
		t.Fatal(err)
	}
	if link.APIKey() != testPK2 || link.SecretKey() != testSK2 {
		t.Error("APIKey and SecretKey do not follow the credentials")
	}
	if _, err := link.IngestBatch(ctx, body, "", nil); err != nil {
		t.Fatal(err)
	}
	r := s.requests()
	if bearer(r[0]) != "Bearer "+testPK || bearer(r[1]) != "Bearer "+testPK2 {
		t.Error("IngestBatch did not read the keys in force")
	}
	if hmacsig.Verify(r[1].Body, r[1].Header.Get(hmacsig.Header), testSK2) != nil {
		t.Error("IngestBatch did not sign under the secret in force")
	}

	// a client with fixed keys has credentials of its own
	fixed := newTestClient(t, s.URL, testPK, WithSecretKey(testSK))
	link, _ = clientlink.Inspect(fixed)
	if fc, ok := link.Credentials.(*Credentials); !ok || fc == nil {
		t.Fatal("no credentials for a client with fixed keys")
	} else if a, sk, g := fc.Keys(); a != NewAPIKey(testPK) || sk != NewAPIKey(testSK) || g != 1 {
		t.Errorf("fixed client's credentials: %v", fc)
	}
}
