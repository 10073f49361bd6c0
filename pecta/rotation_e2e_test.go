package pecta_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

// rotateFirst is a transport that runs rotate once, before the first
// request it carries leaves: that request was built under the old keys and
// reaches the server after they were revoked.
type rotateFirst struct {
	once   sync.Once
	rotate func()
	next   http.RoundTripper
}

func (r *rotateFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	r.once.Do(r.rotate)
	return r.next.RoundTrip(req)
}

// rotation creates a publishable and a secret key, hands them to creds and
// admin, and revokes the keys they replace: the documented rotation.
func rotation(t *testing.T, srv *pectatest.Server, creds, admin *pecta.Credentials) {
	t.Helper()
	ctx := context.Background()
	c := srv.Client(pecta.WithCredentials(admin))
	oldPK, oldSK, _ := creds.Keys()
	pk, err := c.Keys.Create(ctx, pecta.KeyCreateParams{Name: "pk 2", Type: pecta.KeyTypePublishable})
	if err != nil {
		t.Fatal(err)
	}
	sk, err := c.Keys.Create(ctx, pecta.KeyCreateParams{Name: "sk 2", Type: pecta.KeyTypeSecret})
	if err != nil {
		t.Fatal(err)
	}
	if err := creds.Update(pk.Secret, sk.Secret); err != nil {
		t.Fatal(err)
	}
	if err := admin.Update(sk.Secret, pecta.APIKey{}); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Preview == oldPK.Preview() || k.Preview == oldSK.Preview() {
			if err := c.Keys.Revoke(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// End to end against pectatest: a request built under keys that are
// rotated and revoked before it arrives gets 401 and is sent again with the
// new keys, for a non-idempotent call, a signed ingest and key management.
func TestE2ERotationWhileInFlight(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		call func(c *pecta.Client) error
	}{
		{"evaluate", func(c *pecta.Client) error {
			_, err := c.Evaluate(ctx, pecta.EvaluateRequest{AgentID: "bidder-1", Output: "ok"})
			return err
		}},
		{"signed ingest", func(c *pecta.Client) error {
			_, err := c.Ingest(ctx, []pecta.Event{{AgentID: "bidder-1", Passed: true}})
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := pectatest.NewServer()
			t.Cleanup(srv.Close)
			creds, err := pecta.NewCredentials(srv.PublishableKey, srv.SecretKey)
			if err != nil {
				t.Fatal(err)
			}
			admin, err := pecta.NewCredentials(srv.SecretKey, pecta.APIKey{})
			if err != nil {
				t.Fatal(err)
			}
			tr := &rotateFirst{rotate: func() { rotation(t, srv, creds, admin) }, next: newTransport(t)}
			c := srv.Client(pecta.WithCredentials(creds), pecta.WithHTTPClient(&http.Client{Transport: tr}))
			if err := tt.call(c); err != nil {
				t.Fatalf("err = %v, want success on the retry under the new keys", err)
			}
			var refused, accepted int
			for _, r := range srv.Requests() {
				if r.Path != "/v1/evaluate" && r.Path != "/v1/ingest" {
					continue
				}
				switch r.Status {
				case http.StatusUnauthorized:
					refused++
				case http.StatusOK, http.StatusAccepted:
					accepted++
					if r.Signed && (!r.SignatureValid || r.SignedWith == "") {
						t.Error("accepted ingest not signed under a live secret")
					}
				}
			}
			if refused != 1 || accepted != 1 {
				t.Errorf("%d refused, %d accepted; want 1 and 1", refused, accepted)
			}
			if tt.name == "signed ingest" && srv.Stats().SignedBatches != 1 {
				t.Errorf("signed batches = %d", srv.Stats().SignedBatches)
			}
		})
	}

	t.Run("keys.create", func(t *testing.T) {
		srv := pectatest.NewServer()
		t.Cleanup(srv.Close)
		admin, err := pecta.NewCredentials(srv.SecretKey, pecta.APIKey{})
		if err != nil {
			t.Fatal(err)
		}
		other, err := pecta.NewCredentials(srv.PublishableKey, srv.SecretKey)
		if err != nil {
			t.Fatal(err)
		}
		tr := &rotateFirst{rotate: func() { rotation(t, srv, other, admin) }, next: newTransport(t)}
		c, err := pecta.NewClient("", pecta.WithCredentials(admin), pecta.WithBaseURL(srv.URL), pecta.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Keys.Create(ctx, pecta.KeyCreateParams{Name: "third"}); err != nil {
			t.Fatal(err)
		}
		keys, err := c.Keys.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, k := range keys {
			if k.Name == "third" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d keys named third; want exactly 1", n)
		}
	})
}

func newTransport(t *testing.T) *http.Transport {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}
