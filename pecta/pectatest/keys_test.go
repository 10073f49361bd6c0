package pectatest

import (
	"github.com/stretchr/testify/require"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestKeyLifecycle(t *testing.T) {
	srv, c := newTestServer(t)

	res := c.do("POST", "/v1/keys", srv.SecretKey.Reveal(), map[string]any{"name": "ci", "scopes": []string{"read"}})
	require.Equal(t, http.StatusCreated, res.status, "body: %s", res.body)
	created := res.decode(t)
	id, key := created["id"].(string), created["key"].(string)
	require.True(t, strings.HasPrefix(id, "key_"))
	require.True(t, regexp.MustCompile(`^pk_live_[A-Za-z0-9]{32}$`).MatchString(key), "default type publishable")
	require.Equal(t, "pk_live_..."+key[len(key)-4:], created["key_preview"])
	require.Equal(t, []any{"read"}, created["scopes"])
	require.Equal(t, "ci", created["name"])
	require.Equal(t, "publishable", created["type"])
	require.NotEmpty(t, created["created_at"])

	res = c.do("POST", "/v1/keys", srv.SecretKey.Reveal(), map[string]any{"name": "admin", "type": "secret"})
	require.Equal(t, http.StatusCreated, res.status)
	sk := res.decode(t)
	require.True(t, strings.HasPrefix(sk["key"].(string), "sk_live_"))
	require.Equal(t, []any{"read", "write"}, sk["scopes"])

	require.Equal(t, http.StatusOK, c.do("GET", "/v1/agents", key, nil).status) // marks last_used_at

	res = c.do("GET", "/v1/keys", srv.SecretKey.Reveal(), nil)
	require.Equal(t, http.StatusOK, res.status)
	keys := res.decode(t)["keys"].([]any)
	require.Len(t, keys, 4, "two provisioned + two created")
	require.NotContains(t, string(res.body), key, "list never shows full keys")
	require.NotContains(t, string(res.body), srv.SecretKey.Reveal())
	var listed map[string]any
	for _, k := range keys {
		if k.(map[string]any)["id"] == id {
			listed = k.(map[string]any)
		}
	}
	require.NotEmpty(t, listed)
	require.NotEqual(t, nil, listed["last_used_at"])
	require.Equal(t, nil, listed["revoked_at"])
	_, hasKey := listed["key"]
	require.False(t, hasKey)

	// Revoke: 204, immediately effective, idempotent.
	require.Equal(t, http.StatusNoContent, c.do("DELETE", "/v1/keys/"+id, srv.SecretKey.Reveal(), nil).status)
	res = c.do("GET", "/v1/agents", key, nil)
	require.Equal(t, pecta.CodeAuthRevoked, res.errorCode(t))
	require.Equal(t, http.StatusNoContent, c.do("DELETE", "/v1/keys/"+id, srv.SecretKey.Reveal(), nil).status)
	res = c.do("DELETE", "/v1/keys/key_nope", srv.SecretKey.Reveal(), nil)
	require.Equal(t, http.StatusNotFound, res.status)
	require.Equal(t, pecta.CodeNotFound, res.errorCode(t))

	res = c.do("GET", "/v1/keys", srv.SecretKey.Reveal(), nil)
	for _, k := range res.decode(t)["keys"].([]any) {
		if k.(map[string]any)["id"] == id {
			require.NotEqual(t, nil, k.(map[string]any)["revoked_at"])
		}
	}
}

func TestKeyCreateValidation(t *testing.T) {
	srv, c := newTestServer(t)
	tests := []struct {
		name  string
		body  any
		code  string
		field string
	}{
		{"bad json", `{"name"`, pecta.CodeBadJSON, ""},
		{"no name", map[string]any{}, pecta.CodeValidation, "name"},
		{"bad type", map[string]any{"name": "x", "type": "admin"}, pecta.CodeValidation, "type"},
		{"bad scope", map[string]any{"name": "x", "scopes": []string{"read", "admin"}}, pecta.CodeValidation, "scopes[1]"},
		{"empty scopes", map[string]any{"name": "x", "scopes": []string{}}, pecta.CodeValidation, "scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do("POST", "/v1/keys", srv.SecretKey.Reveal(), tt.body)
			require.Equal(t, http.StatusBadRequest, res.status)
			require.Equal(t, tt.code, res.errorCode(t))
			if tt.field != "" {
				require.Contains(t, string(res.body), tt.field+":")
			}
		})
	}
	require.Panics(t, func() { srv.CreateKey("x", "admin") })
	require.Panics(t, func() { srv.CreateKey("x", "secret", "delete") })
}

func TestUsageLogs(t *testing.T) {
	srv, c := newTestServer(t)
	pubID, pubKey := srv.CreateKey("pub", "publishable")
	pub := pubKey.Reveal()
	for range 3 {
		c.do("GET", "/v1/agents", pub, nil)
	}
	c.do("GET", "/v1/nowhere", pub, nil)
	c.do("GET", "/v1/agents", "", nil) // unauthenticated: not logged

	res := c.do("GET", "/v1/usage/logs?api_key_id="+pubID, srv.SecretKey.Reveal(), nil)
	require.Equal(t, http.StatusOK, res.status)
	logs := res.decode(t)["logs"].([]any)
	require.Len(t, logs, 4)
	newest := logs[0].(map[string]any)
	require.Equal(t, "/v1/nowhere", newest["path"])
	require.Equal(t, float64(404), newest["status_code"])
	require.Equal(t, "GET", newest["method"])
	require.Equal(t, pubID, newest["api_key_id"])
	require.NotEmpty(t, newest["id"])
	require.NotEmpty(t, newest["timestamp"])
	_, hasRT := newest["response_time_ms"]
	require.True(t, hasRT)

	res = c.do("GET", "/v1/usage/logs?limit=2", srv.SecretKey.Reveal(), nil)
	require.Len(t, res.decode(t)["logs"], 2)
	res = c.do("GET", "/v1/usage/logs", srv.SecretKey.Reveal(), nil)
	require.Len(t, res.decode(t)["logs"], 6, "4 + the previous usage call (this one is logged after)")
	for q, field := range map[string]string{"limit=0": "limit:", "limit=101": "limit:", "limit=a": "limit:",
		"offset=-1": "offset:", "offset=100001": "offset:", "from=yesterday": "from:", "to=2026-13-01T00:00:00Z": "to:"} {
		res = c.do("GET", "/v1/usage/logs?"+q, srv.SecretKey.Reveal(), nil)
		require.Equal(t, http.StatusBadRequest, res.status, q)
		require.Contains(t, string(res.body), field)
	}
}

// Usage logs page like events [ours]: offset skips the newest entries, from and to bound
// the timestamp inclusively.
func TestUsageLogPaging(t *testing.T) {
	clock := newFakeClock()
	srv, c := newTestServer(t, WithClock(clock.Now))
	id, key := srv.CreateKey("pub", "publishable")
	t0 := clock.Now()
	for range 5 { // one request a second: t0 .. t0+4s
		c.do("GET", "/v1/agents", key.Reveal(), nil)
		clock.Add(time.Second)
	}
	paths := func(q string) []string {
		res := c.do("GET", "/v1/usage/logs?api_key_id="+id+"&"+q, srv.SecretKey.Reveal(), nil)
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		var out []string
		for _, l := range res.decode(t)["logs"].([]any) {
			out = append(out, l.(map[string]any)["timestamp"].(string))
		}
		return out
	}
	at := func(secs int) string { return fmtTime(t0.Add(time.Duration(secs) * time.Second)) }
	require.Equal(t, []string{at(4), at(3), at(2), at(1), at(0)}, paths(""))
	require.Equal(t, []string{at(2), at(1)}, paths("offset=2&limit=2"))
	require.Equal(t, []string{at(3), at(2), at(1)}, paths("from="+at(1)+"&to="+at(3)))
	require.Equal(t, []string{at(2)}, paths("from="+at(1)+"&to="+at(3)+"&offset=1&limit=1"))
	require.Empty(t, paths("offset=5"))
}
