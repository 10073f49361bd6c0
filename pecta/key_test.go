package pecta

import (
	"errors"
	"strings"
	"testing"
)

func TestNewClientRejectsMalformedKeys(t *testing.T) {
	cases := []struct {
		name, key, reason string
	}{
		{"empty", "", "empty"},
		{"spaces", "   ", "white space"},
		{"leading space", " " + testPK, "white space"},
		{"trailing newline", testPK + "\n", "white space"},
		{"no prefix", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "prefix"},
		{"wrong prefix", "xk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "prefix"},
		{"test mode", "pk_test_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "test-mode"},
		{"uppercase prefix", "PK_LIVE_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "prefix"},
		{"too short", "pk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4", "length"},
		{"too long", "pk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zQ", "length"},
		{"prefix only", "pk_live_", "length"},
		{"dash", "pk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy-z", "character"},
		{"underscore", "sk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy_z", "character"},
		{"unicode", "pk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXyé", "character"},
		{"inner space", "pk_live_Ab3dEf6hIj9kLm2n p5qRs8tUv1wXy4z", "character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewClient(c.key)
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("NewClient error = %v, want *KeyError", err)
			}
			if !strings.Contains(ke.Reason, c.reason) {
				t.Errorf("reason %q does not mention %q", ke.Reason, c.reason)
			}
			if body := strings.TrimSpace(c.key); len(body) > 8 && strings.Contains(err.Error(), body[8:]) {
				t.Errorf("error echoes the key: %q", err.Error())
			}
		})
	}
}

func TestNewClientAcceptsWellFormedKeys(t *testing.T) {
	for _, k := range []string{testPK, testSK} {
		if _, err := NewClient(k); err != nil {
			t.Errorf("NewClient: %v", err)
		}
	}
}

func TestWithSecretKeyValidates(t *testing.T) {
	if _, err := NewClient(testPK, WithSecretKey(testPK)); err == nil || strings.Contains(err.Error(), testPK[8:]) {
		t.Errorf("publishable key as secret: err = %v", err)
	}
	if _, err := NewClient(testPK, WithSecretKey("sk_live_short")); err == nil {
		t.Error("short secret key accepted")
	}
	if _, err := NewClient(testPK, WithSecretKey(testSK)); err != nil {
		t.Errorf("valid secret key: %v", err)
	}
}

func TestBaseURLRules(t *testing.T) {
	cases := []struct {
		url  string
		opts []Option
		ok   bool
	}{
		{"https://api.pecta.ai", nil, true},
		{"https://proxy.example.com/pecta/", nil, true},
		{"http://127.0.0.1:8080", nil, true},
		{"http://localhost:9", nil, true},
		{"http://[::1]:9", nil, true},
		{"http://api.pecta.ai", nil, false},
		{"http://10.0.0.5", nil, false},
		{"http://api.pecta.ai", []Option{WithInsecureHTTP()}, true},
		{"ftp://api.pecta.ai", nil, false},
		{"api.pecta.ai", nil, false},
		{"https://user:pass@api.pecta.ai", nil, false},
		{"::", nil, false},
	}
	for _, c := range cases {
		_, err := NewClient(testPK, append([]Option{WithBaseURL(c.url)}, c.opts...)...)
		if (err == nil) != c.ok {
			t.Errorf("base URL %q: err = %v, want ok=%v", c.url, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "pass") {
			t.Errorf("error leaks URL password: %v", err)
		}
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"", testPK, testSK, "pk_live_", "sk_live_" + strings.Repeat("a", 40), "pk_test_x", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			// the text is one of a fixed set: nothing of the input is in it
			if !knownKeyErrors[err.Error()] {
				t.Fatalf("unexpected error text (derived from the input?): %q", err)
			}
			return
		}
		if len(s) != 40 || !(k.IsPublishable() || k.IsSecret()) {
			t.Fatalf("accepted %q", s)
		}
		if p := k.Preview(); len(p) != 15 || strings.Contains(p, s[8:36]) {
			t.Fatalf("preview %q of %q", p, s)
		}
	})
}

var knownKeyErrors = map[string]bool{
	"pecta: malformed key: key is empty":                                                   true,
	"pecta: malformed key: key has leading or trailing white space":                        true,
	"pecta: malformed key: test-mode prefix is not supported; want pk_live_ or sk_live_":   true,
	"pecta: malformed key: unknown prefix; want pk_live_ or sk_live_":                      true,
	"pecta: malformed key: wrong length: want prefix plus 32 characters":                   true,
	"pecta: malformed key: invalid character: only A-Z, a-z and 0-9 may follow the prefix": true,
}
