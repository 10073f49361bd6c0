package pectatest

import (
	"crypto/sha256"
	"fmt"
	"github.com/stretchr/testify/require"
	"net/http"
	"strings"
	"testing"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestHealthNeedsNoAuth(t *testing.T) {
	_, c := newTestServer(t)
	res := c.do("GET", "/health", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "ok", res.decode(t)["status"])
	require.Equal(t, http.StatusMethodNotAllowed, c.do("POST", "/health", "", "{}").status)
}

func TestAuthErrors(t *testing.T) {
	srv, c := newTestServer(t)
	revokedID, revoked := srv.CreateKey("old", "publishable")
	res := c.do("DELETE", "/v1/keys/"+revokedID, srv.SecretKey.Reveal(), nil)
	require.Equal(t, http.StatusNoContent, res.status)
	unknown := "pk_live_" + strings.Repeat("A", 32)

	tests := []struct {
		name    string
		headers []string
		status  int
		code    string
	}{
		{"no header", nil, 401, pecta.CodeAuthMissing},
		{"basic scheme", []string{"Authorization", "Basic abc"}, 401, pecta.CodeAuthMissing},
		{"bearer without key", []string{"Authorization", "Bearer"}, 401, pecta.CodeAuthMissing},
		{"bad format", []string{"Authorization", "Bearer pk_live_short"}, 401, pecta.CodeAuthFormat},
		{"test prefix", []string{"Authorization", "Bearer pk_test_" + strings.Repeat("a", 32)}, 401, pecta.CodeAuthFormat},
		{"non alnum", []string{"Authorization", "Bearer pk_live_" + strings.Repeat("-", 32)}, 401, pecta.CodeAuthFormat},
		{"unknown", []string{"Authorization", "Bearer " + unknown}, 401, pecta.CodeAuthInvalid},
		{"revoked", []string{"Authorization", "Bearer " + revoked.Reveal()}, 401, pecta.CodeAuthRevoked},
		{"lower-case bearer", []string{"Authorization", "bearer " + srv.PublishableKey.Reveal()}, 200, ""},
		// X-API-Key is not documented by Pecta: refused unless WithXAPIKeyHeader
		{"x-api-key alone", []string{"X-API-Key", srv.PublishableKey.Reveal()}, 401, pecta.CodeAuthMissing},
		{"bearer with x-api-key", []string{"Authorization", "Bearer " + srv.PublishableKey.Reveal(), "X-API-Key", unknown}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkAuth(t, c, tt.headers, tt.status, tt.code, unknown)
		})
	}
	res = c.do("GET", "/v1/agents", "", nil, "X-API-Key", srv.PublishableKey.Reveal())
	require.Contains(t, string(res.body), "WithXAPIKeyHeader", "the refusal names the option")
	require.NotContains(t, string(res.body), srv.PublishableKey.Reveal()[8:])
}

// checkAuth sends GET /v1/agents with headers and checks the status and error code; an
// error body must not echo key.
func checkAuth(t *testing.T, c *tclient, headers []string, status int, code, key string) {
	t.Helper()
	res := c.do("GET", "/v1/agents", "", nil, headers...)
	require.Equal(t, status, res.status, "body: %s", res.body)
	if code != "" {
		require.Equal(t, code, res.errorCode(t))
		require.NotContains(t, string(res.body), key, "error must not echo the key")
	}
}

func TestWithXAPIKeyHeader(t *testing.T) {
	srv, c := newTestServer(t, WithXAPIKeyHeader())
	pk := srv.PublishableKey.Reveal()
	unknown := "pk_live_" + strings.Repeat("A", 32)
	for _, tt := range []struct {
		name    string
		headers []string
		status  int
		code    string
	}{
		{"x-api-key alone", []string{"X-API-Key", pk}, 200, ""},
		{"bearer wins over bad x-api-key", []string{"Authorization", "Bearer " + pk, "X-API-Key", unknown}, 200, ""},
		{"bearer wins over good x-api-key", []string{"Authorization", "Bearer " + unknown, "X-API-Key", pk}, 401, pecta.CodeAuthInvalid},
		{"x-api-key bad format", []string{"X-API-Key", "nope"}, 401, pecta.CodeAuthFormat},
		{"no header", nil, 401, pecta.CodeAuthMissing},
	} {
		t.Run(tt.name, func(t *testing.T) { checkAuth(t, c, tt.headers, tt.status, tt.code, unknown) })
	}
}

func TestScopesAndKeyTypes(t *testing.T) {
	srv, c := newTestServer(t)
	_, readOnlySecret := srv.CreateKey("ro", "secret", "read")
	_, writeOnlyPub := srv.CreateKey("wo", "publishable", "write")
	evalBody := map[string]any{"agent_id": "a", "output": "hello"}

	ro, wo := readOnlySecret.Reveal(), writeOnlyPub.Reveal()
	const secretOnly, noScope = pecta.CodeSecretKeyRequired, pecta.CodeInsufficientScope
	tests := []struct {
		name   string
		method string
		path   string
		key    string
		body   any
		status int
		code   string
	}{
		{"publishable cannot list keys", "GET", "/v1/keys", srv.PublishableKey.Reveal(), nil, 403, secretOnly},
		{"publishable cannot create keys", "POST", "/v1/keys", srv.PublishableKey.Reveal(), map[string]any{"name": "x"}, 403, secretOnly},
		{"publishable cannot revoke", "DELETE", "/v1/keys/key_x", srv.PublishableKey.Reveal(), nil, 403, secretOnly},
		{"publishable cannot read usage", "GET", "/v1/usage/logs", srv.PublishableKey.Reveal(), nil, 403, secretOnly},
		{"read-only secret lists keys", "GET", "/v1/keys", ro, nil, 200, ""},
		{"read-only secret cannot create", "POST", "/v1/keys", ro, map[string]any{"name": "x"}, 403, noScope},
		{"read-only secret cannot revoke", "DELETE", "/v1/keys/key_x", ro, nil, 403, noScope},
		{"write-only publishable cannot GET", "GET", "/v1/events", wo, nil, 403, noScope},
		{"write-only publishable cannot read keys", "GET", "/v1/keys", wo, nil, 403, secretOnly},
		{"write-only publishable evaluates", "POST", "/v1/evaluate", wo, evalBody, 200, ""},
		{"publishable evaluates", "POST", "/v1/evaluate", srv.PublishableKey.Reveal(), evalBody, 200, ""},
		{"publishable ingests", "POST", "/v1/ingest", srv.PublishableKey.Reveal(), ingestBody(map[string]any{"agent_id": "a"}), 202, ""},
		{"publishable reads reputation", "GET", "/v1/reputation/a", srv.PublishableKey.Reveal(), nil, 200, ""},
		{"publishable registers agents", "POST", "/v1/agents", srv.PublishableKey.Reveal(), map[string]any{"agent_id": "a"}, 201, ""},
		{"secret reads usage", "GET", "/v1/usage/logs", srv.SecretKey.Reveal(), nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(tt.method, tt.path, tt.key, tt.body)
			require.Equal(t, tt.status, res.status, "body: %s", res.body)
			if tt.code != "" {
				require.Equal(t, tt.code, res.errorCode(t))
			}
		})
	}
}

// TestKeysStoredHashed proves the key store holds no key in clear: only SHA-256 hashes and
// previews, for provisioned keys and keys created over the API alike.
func TestKeysStoredHashed(t *testing.T) {
	srv, c := newTestServer(t)
	res := c.do("POST", "/v1/keys", srv.SecretKey.Reveal(), map[string]any{"name": "ci", "type": "secret"})
	require.Equal(t, http.StatusCreated, res.status)
	created := res.decode(t)["key"].(string)
	_, direct := srv.CreateKey("direct", "publishable")

	plaintexts := []string{srv.PublishableKey.Reveal(), srv.SecretKey.Reveal(), created, direct.Reveal()}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	dump := fmt.Sprintf("%#v %#v", srv.keys.byHash, srv.keys.order)
	for _, rec := range srv.keys.order {
		dump += fmt.Sprintf("%#v", *rec)
	}
	for _, key := range plaintexts {
		require.NotContains(t, dump, key)
		require.NotContains(t, dump, key[len("pk_live_"):], "the 32 random characters must not be held")
		rec, ok := srv.keys.byHash[sha256.Sum256([]byte(key))]
		require.True(t, ok, "hash of %s stored", keyPreview(key))
		require.Equal(t, keyPreview(key), rec.preview)
	}
	require.Len(t, srv.keys.order, 4)
}

func TestWithKeysAndWithoutSecret(t *testing.T) {
	pk := "pk_live_" + strings.Repeat("p", 32)
	sk := "sk_live_" + strings.Repeat("s", 32)
	srv, c := newTestServer(t, WithKeys(pk, sk))
	require.Equal(t, pk, srv.PublishableKey.Reveal())
	require.Equal(t, sk, srv.SecretKey.Reveal())
	require.Equal(t, 200, c.do("GET", "/v1/keys", sk, nil).status)

	srv2, c2 := newTestServer(t, WithoutSecretKey())
	require.True(t, srv2.SecretKey.IsZero())
	require.Equal(t, 200, c2.do("GET", "/v1/agents", srv2.PublishableKey.Reveal(), nil).status)

	require.Panics(t, func() { NewServer(WithKeys("pk_live_bad", "")) })
	require.Panics(t, func() { NewServer(WithKeys(pk, pk)) })
}
