package rtb

import (
	"math/rand/v2"
	"testing"
)

// TestCatFilterNeverHides: the filter lets through every category that
// catMatch matches with a code of the list (it may let more through).
func TestCatFilterNeverHides(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	code := func() string {
		c := "IAB" + string(rune('1'+r.IntN(9)))
		if r.IntN(2) == 0 {
			c += string(rune('0' + r.IntN(7)))
		}
		if r.IntN(2) == 0 {
			c += "-" + string(rune('1'+r.IntN(9)))
		}
		if r.IntN(3) == 0 {
			c += string(rune('0' + r.IntN(10)))
		}
		if r.IntN(4) == 0 {
			b := []byte(c)
			b[r.IntN(3)] |= 0x20 // lower case
			c = string(b)
		}
		return c
	}
	for range 2000 {
		codes := make([]string, r.IntN(30))
		for i := range codes {
			codes[i] = code()
		}
		f := newCatFilter(codes)
		for range 50 {
			c := code()
			want := false
			for _, b := range codes {
				want = want || catMatch(c, b)
			}
			if want && !f.mayMatch(c) {
				t.Fatalf("filter hides %q in %q", c, codes)
			}
		}
	}
	if f := newCatFilter([]string{"I"}); !f.mayMatch("IAB1") {
		t.Fatal("a one-byte code lets everything through")
	}
}
