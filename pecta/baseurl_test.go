package pecta

import (
	"strings"
	"testing"
)

// A base URL with an API version, a query or a fragment is refused at
// construction, naming the URL to use; nothing secret is echoed.
func TestBaseURLRefusedWithFix(t *testing.T) {
	cases := []struct {
		url  string
		want string // the whole error
	}{
		{"https://api.pecta.ai/v1", `pecta: base URL "https://api.pecta.ai/v1" must not include the API version "/v1" (the client adds /v1 to every route): use "https://api.pecta.ai"`},
		{"https://api.pecta.ai/v1/", `pecta: base URL "https://api.pecta.ai/v1/" must not include the API version "/v1" (the client adds /v1 to every route): use "https://api.pecta.ai"`},
		{"https://api.pecta.ai/v1/ingest", `pecta: base URL "https://api.pecta.ai/v1/ingest" must not include the API version "/v1/ingest" (the client adds /v1 to every route): use "https://api.pecta.ai"`},
		{"https://gw.example.com/pecta/V2", `pecta: base URL "https://gw.example.com/pecta/V2" must not include the API version "/V2" (the client adds /v1 to every route): use "https://gw.example.com/pecta"`},
		{"http://127.0.0.1:8080/v1?x=1", `pecta: base URL "http://127.0.0.1:8080/v1" must not include the API version "/v1" (the client adds /v1 to every route): use "http://127.0.0.1:8080"`},
		{"https://api.pecta.ai?region=eu", `pecta: base URL must not have a query: use "https://api.pecta.ai"`},
		{"https://api.pecta.ai/?", `pecta: base URL must not have a query: use "https://api.pecta.ai"`},
		{"https://gw.example.com/pecta/?x=1#f", `pecta: base URL must not have a query: use "https://gw.example.com/pecta"`},
		{"https://api.pecta.ai/#top", `pecta: base URL must not have a fragment: use "https://api.pecta.ai"`},
		{"https://api.pecta.ai#", `pecta: base URL must not have a fragment: use "https://api.pecta.ai"`},
	}
	for _, c := range cases {
		_, err := NewClient(testPK, WithBaseURL(c.url))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.url, err, c.want)
		}
	}
	// Path prefixes without a version stay allowed (proxies), as do
	// segments that merely start with v.
	for _, u := range []string{"https://gw.example.com/pecta", "https://gw.example.com/v/api", "https://gw.example.com/vault/", "https://gw.example.com/v1x"} {
		c, err := NewClient(testPK, WithBaseURL(u))
		if err != nil {
			t.Errorf("%q: %v", u, err)
			continue
		}
		if got := c.baseURL.String(); got != strings.TrimSuffix(u, "/") {
			t.Errorf("%q: base URL = %q", u, got)
		}
	}
}

// The plaintext refusal names the switch of both the client and telemetry.
func TestPlaintextErrorNamesBothSwitches(t *testing.T) {
	_, err := NewClient(testPK, WithBaseURL("http://api.example.com"))
	if err == nil || !strings.Contains(err.Error(), "pecta.WithInsecureHTTP") || !strings.Contains(err.Error(), "InsecureHTTP in telemetry.Config") {
		t.Errorf("err = %v", err)
	}
}

// Secrets in the query, the fragment, the userinfo or the path of a refused
// base URL never appear in the error.
func TestBaseURLErrorsNeverEchoSecrets(t *testing.T) {
	secret := testSK[8:]
	for _, u := range []string{
		"https://api.pecta.ai/v1?key=" + testSK,
		"https://api.pecta.ai/?token=" + secret,
		"https://api.pecta.ai/#" + testSK,
		"https://api.pecta.ai/" + testSK + "/v1",
		"https://api.pecta.ai/v1/" + testSK,
		"https://u:" + testSK + "@api.pecta.ai/v1",
		"https://" + testSK + "@api.pecta.ai/?x",
	} {
		_, err := NewClient(testPK, WithBaseURL(u))
		if err == nil {
			t.Errorf("%q accepted", u)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:20]) {
			t.Errorf("error echoes the secret: %v", err)
		}
	}
}
