package jsonstr

import (
	"encoding/json"
	"testing"
)

// Unescape must decode exactly as encoding/json does, surrogates included.
func TestUnescapeMatchesEncodingJSON(t *testing.T) {
	for _, body := range []string{
		``, `plain`, `a\"b\\c\/d`, `\b\f\n\r\t`, `\u00e9\u4E2D`,
		`\ud83d\ude00`, `\ud83d`, `\ude00x`, `\ud83dx\ude00`, `\ud83d\u0041`,
		`caf\u00c3\u00a9 ok`,
	} {
		var want string
		if err := json.Unmarshal([]byte(`"`+body+`"`), &want); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if got := string(Unescape(nil, []byte(body))); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", body, got, want)
		}
	}
}

func FuzzUnescape(f *testing.F) {
	f.Add(`\ud83d\ude00 \n x`)
	f.Fuzz(func(t *testing.T, s string) {
		raw, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Skip()
		}
		if got := string(Unescape(nil, raw[1:len(raw)-1])); got != want {
			t.Errorf("Unescape(%s) = %q, want %q", raw, got, want)
		}
	})
}

func TestUnhex(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := rune(-1)
		switch {
		case c >= '0' && c <= '9':
			want = rune(c - '0')
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			want = rune(c|0x20-'a') + 10
		}
		if got := Unhex(byte(c)); got != want {
			t.Errorf("Unhex(%q) = %d, want %d", c, got, want)
		}
	}
}
