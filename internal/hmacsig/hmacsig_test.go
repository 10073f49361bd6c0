package hmacsig

import (
	"errors"
	"strings"
	"testing"
)

// Vectors computed with: printf '%s' BODY | openssl dgst -sha256 -hmac KEY
var vectors = []struct{ key, body, hex string }{
	{"sk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZ678901", "", "9d2ae8dc187e09d14810bb85a786e3a268c909c305087107bbb04b2e711503ea"},
	{"sk_live_00000000000000000000000000000000", "hello world", "4e78de253abcf9285c522db82c86d25bf0ff1702f7d2638564dedc283923ae35"},
}

func TestSignKnownAnswers(t *testing.T) {
	for _, v := range vectors {
		if got := Sign([]byte(v.body), v.key); got != "sha256="+v.hex {
			t.Errorf("Sign(%q) = %s, want sha256=%s", v.body, got, v.hex)
		}
		if err := Verify([]byte(v.body), "sha256="+strings.ToUpper(v.hex), v.key); err != nil {
			t.Errorf("uppercase hex refused: %v", err)
		}
	}
}

func TestVerifyDistinguishesFailures(t *testing.T) {
	key, body := vectors[1].key, []byte(vectors[1].body)
	good := "sha256=" + vectors[1].hex
	cases := []struct {
		header, secret string
		want           error
	}{
		{good, key, nil},
		{"  " + good + " ", key, nil},
		{"", key, ErrMissing},
		{"sha256=", key, ErrMalformed},
		{"sha1=" + vectors[1].hex, key, ErrMalformed},
		{"sha256=" + vectors[1].hex[:63] + "g", key, ErrMalformed},
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
