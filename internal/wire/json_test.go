package wire

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f",
		"<html>&amp;", "héllo wörld ✓ 日本", "bad \xff utf8 \xc3", "line\u2028sep\u2029", "emoji 😀",
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("hello")
	f.Add("\xff\u2028<>")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.5, 12.345, 1e-7, 1.5e-9, 1e20, 1e21, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, _ := json.Marshal(f)
		if got := AppendFloat(nil, f); string(got) != string(want) {
			t.Errorf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
	}
	if got := AppendFloat(nil, math.NaN()); string(got) != "0" {
		t.Errorf("NaN = %s", got)
	}
}

func TestAppendTime(t *testing.T) {
	ts := time.Date(2026, 5, 7, 16, 22, 44, 123456789, time.FixedZone("CEST", 2*3600))
	if got := string(AppendTime(nil, ts)); got != `"2026-05-07T14:22:44.123Z"` {
		t.Errorf("AppendTime = %s", got)
	}
}

func TestAppendBool(t *testing.T) {
	if string(AppendBool(nil, true)) != "true" || string(AppendBool(nil, false)) != "false" {
		t.Error("AppendBool")
	}
}

// The fast path of AppendFloat must give strconv's (and encoding/json's)
// bytes exactly: checked on the boundaries of its range, on decimals of
// every length it handles, on neighbours of each (one ulp off), and fuzzed.
func TestAppendFloatFastPathMatches(t *testing.T) {
	check := func(f float64) {
		t.Helper()
		want, err := json.Marshal(f)
		if err != nil {
			return
		}
		if got := AppendFloat(nil, f); string(got) != string(want) {
			t.Fatalf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
		if got := appendFloatSlow(nil, f); string(got) != string(want) {
			t.Fatalf("appendFloatSlow(%v) = %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{1e-6, 1.0000001e-6, 9.999999e-7, 1e9, 999999999.999999, 999999999, 0.1, 0.2, 0.3,
		0.30000000000000004, 1.005, 2.675, 123456.123456, 4503599627370496, 0.000001, 0.000123, 100, 1e8, 12.5e6} {
		check(f)
		check(math.Nextafter(f, 0))
		check(math.Nextafter(f, math.Inf(1)))
	}
	for k, p := range []float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6} {
		for _, m := range []float64{1, 7, 15, 99, 101, 12345, 999999, 1234567, 87654321, 999999999} {
			f := m / p
			check(f)
			check(math.Nextafter(f, 0))
			check(math.Nextafter(f, math.Inf(1)))
			_ = k
		}
	}
	if got := AppendFloat(nil, math.Copysign(0, -1)); string(got) != "-0" {
		t.Errorf("AppendFloat(-0) = %s, want -0 as encoding/json", got)
	}
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0.2, 1.5, 12.345, 1e-6, 999999999.5, 0.1 + 0.2} {
		f.Add(v)
	}
	f.Add(math.Float64frombits(0x3fb999999999999a))
	f.Fuzz(func(t *testing.T, v float64) {
		want, err := json.Marshal(v)
		if err != nil {
			if got := AppendFloat(nil, v); string(got) != "0" {
				t.Fatalf("AppendFloat(%v) = %s, want 0", v, got)
			}
			return
		}
		if got := AppendFloat(nil, v); string(got) != string(want) {
			t.Fatalf("AppendFloat(%v) = %s, want %s", v, got, want)
		}
		// also the decimals of v rounded to k places, the fast path's domain
		for _, p := range []float64{10, 1e3, 1e6} {
			r := math.Round(v*p) / p
			want, err := json.Marshal(r)
			if err == nil {
				if got := AppendFloat(nil, r); string(got) != string(want) {
					t.Fatalf("AppendFloat(%v) = %s, want %s", r, got, want)
				}
			}
		}
	})
}

func BenchmarkAppendFloat(b *testing.B) {
	buf := make([]byte, 0, 64)
	for _, f := range []float64{0.2, 12.345, 0.1 + 0.2} {
		b.Run(strconv.FormatFloat(f, 'g', -1, 64), func(b *testing.B) {
			for b.Loop() {
				buf = AppendFloat(buf[:0], f)
			}
		})
		b.Run("slow/"+strconv.FormatFloat(f, 'g', -1, 64), func(b *testing.B) {
			for b.Loop() {
				buf = appendFloatSlow(buf[:0], f)
			}
		})
	}
}
