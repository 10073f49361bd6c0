package hmacsig

import (
	"errors"
	"github.com/pecta-ai/pecta-go/internal/hmacsig/hmacvectors"
	"strings"
	"testing"
)

func TestSignKnownAnswers(t *testing.T) {
	vs := hmacvectors.All()
	if len(vs) < 8 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		if got := Sign([]byte(v.Body), v.Key); got != v.Header {
			t.Errorf("Sign(%q) = %s, want %s", v.Body, got, v.Header)
		}
		if got := string(NewSigner(v.Key).AppendSign(nil, []byte(v.Body))); got != v.Header {
			t.Errorf("Signer.AppendSign(%q) = %s, want %s", v.Body, got, v.Header)
		}
		if err := Verify([]byte(v.Body), "sha256="+strings.ToUpper(v.Header[7:]), v.Key); err != nil {
			t.Errorf("uppercase hex refused: %v", err)
		}
	}
}

func TestVerifyDistinguishesFailures(t *testing.T) {
	var v hmacvectors.Vector
	for _, x := range hmacvectors.All() {
		if x.Body == "hello world" {
			v = x
		}
	}
	if v.Key == "" {
		t.Fatal(`no "hello world" vector`)
	}
	key, body, hexsum := v.Key, []byte(v.Body), v.Header[len(Prefix):]
	good := v.Header
	cases := []struct {
		header, secret string
		want           error
	}{
		{good, key, nil},
		{"  " + good + " ", key, nil},
		{"", key, ErrMissing},
		{"sha256=", key, ErrMalformed},
		{"sha1=" + hexsum, key, ErrMalformed},
		{"sha256=" + hexsum[:63] + "g", key, ErrMalformed},
		{good + "00", key, ErrMalformed},
		{"sha256=" + strings.Repeat("0", 64), key, ErrMismatch},
		{good, "sk_live_00000000000000000000000000000001", ErrMismatch},
		{good, "", ErrNoSecret},
	}
	for _, c := range cases {
		if err := Verify(body, c.header, c.secret); !errors.Is(err, c.want) {
			t.Errorf("Verify(%q) = %v, want %v", c.header, err, c.want)
		}
	}
}
