package telemetry

import (
	"errors"
	"strings"
	"testing"

	"github.com/pecta-ai/pecta-go/internal/hmacsig/hmacvectors"
)

func TestSignKnownAnswers(t *testing.T) {
	n := 0
	for _, v := range hmacvectors.All() {
		if got := Sign([]byte(v.Body), v.Key); got != v.Header {
			t.Errorf("Sign(%q) = %s, want %s", v.Body, got, v.Header)
		}
		if err := Verify([]byte(v.Body), v.Header, v.Key); err != nil {
			t.Errorf("Verify(%q): %v", v.Body, err)
		}
		if err := Verify([]byte(v.Body), strings.ToUpper(v.Header), v.Key); err != nil {
			t.Errorf("Verify upper-case hex: %v", err)
		}
		n++
	}
	if n < 8 {
		t.Fatalf("only %d vectors", n)
	}
}

func TestVerifyDistinguishesFailures(t *testing.T) {
	body := []byte(`{"events":[]}`)
	good := Sign(body, testSK)
	tests := []struct {
		name   string
		body   string
		header string
		key    string
		want   error
	}{
		{"ok", string(body), good, testSK, nil},
		{"missing", string(body), "", testSK, ErrSignatureMissing},
		{"blank", string(body), "   ", testSK, ErrSignatureMissing},
		{"no prefix", string(body), good[7:], testSK, ErrSignatureMalformed},
		{"short", string(body), good[:len(good)-1], testSK, ErrSignatureMalformed},
		{"not hex", string(body), good[:len(good)-1] + "z", testSK, ErrSignatureMalformed},
		{"other algorithm", string(body), "sha1=" + good[7:], testSK, ErrSignatureMalformed},
		{"tampered body", string(body) + " ", good, testSK, ErrSignatureMismatch},
		{"wrong key", string(body), good, "sk_live_OTHERcccccccccccccccccccccccccc3", ErrSignatureMismatch},
		{"no key", string(body), good, "", ErrNoSecretKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify([]byte(tt.body), tt.header, tt.key)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), testSK) {
				t.Fatal("error contains the key")
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"events":[]}`), Sign([]byte(`{"events":[]}`), testSK), testSK)
	f.Add([]byte(""), "", testSK)
	f.Add([]byte("x"), "sha256=", "k")
	f.Add([]byte("x"), "SHA256="+strings.Repeat("A", 64), "k")
	f.Fuzz(func(t *testing.T, body []byte, header, key string) {
		err := Verify(body, header, key)
		switch {
		case err == nil:
			// only the right signature verifies
			if key == "" || !strings.EqualFold(strings.TrimSpace(header), Sign(body, key)) {
				t.Fatalf("Verify accepted %q for body %q", header, body)
			}
		case errors.Is(err, ErrSignatureMissing), errors.Is(err, ErrSignatureMalformed),
			errors.Is(err, ErrSignatureMismatch), errors.Is(err, ErrNoSecretKey):
		default:
			t.Fatalf("unexpected error %v", err)
		}
		if key != "" {
			if err := Verify(body, Sign(body, key), key); err != nil {
				t.Fatalf("own signature rejected: %v", err)
			}
		}
	})
}
