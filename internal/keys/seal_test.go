package keys

import (
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	const a, b = "sk_live_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp", "sk_live_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pq"
	sa, sb := Seal(a), Seal(b)
	if sa != Seal(a) {
		t.Error("Seal is not deterministic")
	}
	if Open(sa) != a || Open(sb) != b || Seal("") != "" || Open("") != "" {
		t.Error("Open(Seal(s)) != s")
	}
	if strings.Contains(sa, a[8:]) || strings.Contains(sa, a[8:16]) {
		t.Errorf("sealed text shows the key: %s", sa)
	}
	// texts that differ in their last byte share no prefix of their masks:
	// each text has its own IV, so one key's mask says nothing of another's
	if sa[:8] == sb[:8] {
		t.Errorf("masks of neighbouring keys share a prefix: %s %s", sa, sb)
	}
	// anything not sealed in this process opens to nothing
	// (the first character: every bit of it counts, while the low bits of
	// the last one may be padding that decoding ignores)
	tampered := []byte(sa)
	if tampered[0] == 'A' {
		tampered[0] = 'B'
	} else {
		tampered[0] = 'A'
	}
	for _, s := range []string{"x", a, string(tampered), sa[:20], "!!!!"} {
		if got := Open(s); got != "" {
			t.Errorf("Open(%q) = %q, want \"\"", s, got)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Seal("sk_live_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp")
	}
}

func BenchmarkOpen(b *testing.B) {
	s := Seal("sk_live_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp")
	b.ReportAllocs()
	for b.Loop() {
		Open(s)
	}
}
