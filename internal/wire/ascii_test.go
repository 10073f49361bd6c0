package wire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Every length from 0 to 40 with one high byte at every position, and with
// none: OrBytes sees every byte of s.
func TestOrBytesSeesEveryByte(t *testing.T) {
	for n := range 41 {
		base := strings.Repeat("a", n)
		if OrBytes(base)&HighBits != 0 {
			t.Fatalf("len %d: ASCII reported as not ASCII", n)
		}
		for i := range n {
			s := base[:i] + "\xff" + base[i+1:]
			if OrBytes(s)&HighBits == 0 {
				t.Fatalf("len %d: the high byte at %d was missed", n, i)
			}
		}
	}
}

func FuzzOrBytes(f *testing.F) {
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "héllo", "bench-agent", strings.Repeat("x", 17) + "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := OrBytes(s)&HighBits == 0, isASCII(s); got != want {
			t.Fatalf("OrBytes(%q) ASCII = %v, want %v", s, got, want)
		}
	})
}

func BenchmarkOrBytes(b *testing.B) {
	ids := []string{"bench-agent", "tool-1", "filesystem", "pii", "content", "ok"}
	var acc uint64
	for b.Loop() {
		for _, s := range ids {
			acc |= OrBytes(s)
		}
	}
	if acc&HighBits != 0 {
		b.Fatal("not ASCII")
	}
}
