package wire

import (
	"encoding/json"
	"math"
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
