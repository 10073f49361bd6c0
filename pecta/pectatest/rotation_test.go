package pectatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta"
)

// A rotation's overlap: old and new keys of each kind authenticate, and a
// signature under either live secret is accepted, until the old ones are
// revoked; then the old keys get auth_revoked and a signature under the old
// secret hmac_invalid, at once.
func TestRotationOverlapAndRevocation(t *testing.T) {
	srv, c := newTestServer(t)
	pk1, sk1 := srv.PublishableKey.Reveal(), srv.SecretKey.Reveal()
	created := func(typ string) (id, key string) {
		res := c.do("POST", "/v1/keys", sk1, map[string]any{"name": "rotated " + typ, "type": typ})
		require.Equal(t, http.StatusCreated, res.status, "body: %s", res.body)
		m := res.decode(t)
		return m["id"].(string), m["key"].(string)
	}
	_, pk2 := created("publishable")
	sk2ID, sk2 := created("secret")
	ids := keyIDs(t, c, sk2)
	pk1ID, sk1ID := ids[srv.PublishableKey.Preview()], ids[srv.SecretKey.Preview()]

	body, _ := json.Marshal(ingestBody(map[string]any{"agent_id": "a"}))
	ingest := func(bearer, signature string) response {
		return c.do("POST", "/v1/ingest", bearer, body, "X-Pecta-Signature", signature)
	}

	// the overlap: every key authenticates, both secrets verify
	for _, key := range []string{pk1, pk2, sk1, sk2} {
		require.Equal(t, http.StatusOK, c.do("GET", "/v1/agents", key, nil).status)
	}
	for _, tt := range []struct {
		bearer, secret, signedWith string
	}{{pk1, sk1, sk1ID}, {pk1, sk2, sk2ID}, {pk2, sk1, sk1ID}, {pk2, sk2, sk2ID}} {
		srv.ResetRecord()
		res := ingest(tt.bearer, sign(body, tt.secret))
		require.Equal(t, http.StatusAccepted, res.status, "body: %s", res.body)
		req := srv.Requests()[0]
		require.True(t, req.SignatureValid)
		require.Equal(t, tt.signedWith, req.SignedWith)
	}
	require.Equal(t, 4, srv.Stats().SignedBatches)

	// revoke the old keys: they fail at once, the new ones go on
	for _, id := range []string{pk1ID, sk1ID} {
		require.Equal(t, http.StatusNoContent, c.do("DELETE", "/v1/keys/"+id, sk2, nil).status)
	}
	for _, key := range []string{pk1, sk1} {
		res := c.do("GET", "/v1/agents", key, nil)
		require.Equal(t, http.StatusUnauthorized, res.status)
		require.Equal(t, pecta.CodeAuthRevoked, res.errorCode(t))
	}
	srv.ResetRecord()
	res := ingest(pk2, sign(body, sk1))
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, pecta.CodeHMACInvalid, res.errorCode(t))
	req := srv.Requests()[0]
	require.False(t, req.SignatureValid)
	require.Empty(t, req.SignedWith)
	require.Equal(t, http.StatusAccepted, ingest(pk2, sign(body, sk2)).status)
	require.Equal(t, http.StatusAccepted, c.do("POST", "/v1/ingest", pk2, body).status, "unsigned")

	// a secret created by CreateKey keeps signatures checkable after the
	// last API-created one is revoked
	srv.CreateKey("admin", "secret")
	require.Equal(t, http.StatusNoContent, c.do("DELETE", "/v1/keys/"+sk2ID, sk2, nil).status)
	res = ingest(pk2, sign(body, sk2))
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, pecta.CodeHMACInvalid, res.errorCode(t), "the CreateKey secret is still live")
}

// A secret key from CreateKey is a signing secret too, and the last live
// secret's revocation leaves the organisation with none: hmac_no_secret.
func TestSigningSecretsFollowSecretKeys(t *testing.T) {
	srv, c := newTestServer(t, WithoutSecretKey())
	pk := srv.PublishableKey.Reveal()
	body, _ := json.Marshal(ingestBody(map[string]any{"agent_id": "a"}))
	ingest := func(secret string) response {
		return c.do("POST", "/v1/ingest", pk, body, "X-Pecta-Signature", sign(body, secret))
	}
	res := ingest("sk_live_" + strings.Repeat("a", 32))
	require.Equal(t, pecta.CodeHMACNoSecret, res.errorCode(t))

	id, sk := srv.CreateKey("signer", "secret")
	require.Equal(t, http.StatusAccepted, ingest(sk.Reveal()).status)
	require.Equal(t, id, srv.Requests()[len(srv.Requests())-1].SignedWith)

	_, pub := srv.CreateKey("reader", "publishable")
	require.Equal(t, pecta.CodeHMACInvalid, ingest(pub.Reveal()).errorCode(t), "a publishable key signs nothing")

	require.Equal(t, http.StatusNoContent, c.do("DELETE", "/v1/keys/"+id, sk.Reveal(), nil).status)
	res = ingest(sk.Reveal())
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, pecta.CodeHMACNoSecret, res.errorCode(t))
}

// What the server keeps to verify signatures never leaves it: listings
// show previews, and the records print no secret.
func TestSigningSecretsNeverShown(t *testing.T) {
	srv, c := newTestServer(t)
	_, sk := srv.CreateKey("second", "secret")
	res := c.do("GET", "/v1/keys", srv.SecretKey.Reveal(), nil)
	for _, key := range []string{srv.SecretKey.Reveal(), sk.Reveal()} {
		require.NotContains(t, string(res.body), key[8:])
	}
	srv.mu.Lock()
	recs := append([]*keyRecord(nil), srv.keys.order...)
	srv.mu.Unlock()
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		s := fmt.Sprintf(verb, recs)
		require.NotContains(t, s, sk.Reveal()[8:])
		require.NotContains(t, s, srv.SecretKey.Reveal()[8:])
	}
}

// keyIDs maps the previews of the organisation's keys to their ids.
func keyIDs(t *testing.T, c *tclient, adminKey string) map[string]string {
	t.Helper()
	var out struct {
		Keys []struct {
			ID      string `json:"id"`
			Preview string `json:"key_preview"`
		} `json:"keys"`
	}
	res := c.do("GET", "/v1/keys", adminKey, nil)
	require.NoError(t, json.Unmarshal(res.body, &out))
	m := map[string]string{}
	for _, k := range out.Keys {
		m[k.Preview] = k.ID
	}
	return m
}
