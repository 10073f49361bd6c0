// Package wire holds allocation-free JSON encoders used on hot paths: they
// append to a caller-owned byte slice, in the style of strconv.Append*.
// Their output matches encoding/json for the same values, so bodies built
// here decode anywhere.
package wire

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// safe[b] is true for ASCII bytes that need no escaping inside a JSON string
// (encoding/json's HTML-safe set: it also escapes <, > and &).
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// AppendString appends s, a string or the bytes of one, as a quoted JSON
// string. Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func AppendString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		// (a conversion of at most 4 bytes that does not escape: no allocation)
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendFloat appends f the way encoding/json formats a float64. NaN and
// infinities have no JSON form; they are written as 0 and callers validate
// them away before encoding.
func AppendFloat(dst []byte, f float64) []byte {
	if d, ok := appendShortDecimal(dst, f); ok {
		return d
	}
	return appendFloatSlow(dst, f)
}

// pow10 are the exact powers of ten tried by appendShortDecimal.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6}

// appendShortDecimal is AppendFloat's fast path for the values telemetry
// carries (latencies such as 0.2, 1.5, 12.345): a positive f below 1e9
// with at most 6 decimals. strconv's shortest formatting costs 50-100 ns;
// this costs a few multiplications.
//
// Why the output is strconv's: for the smallest k such that the integer
// m = round(f*10^k) gives m/10^k == f, the decimal m×10^-k parses back to f
// (m < 2^53 and 10^k are exact, and IEEE division rounds correctly, as
// ParseFloat does), so it is a round-tripping decimal with the fewest
// fraction digits, hence the fewest digits. Below 1e9 an ulp of f is under
// 1.2e-7, narrower than 10^-6, so no other decimal of k fraction digits
// round-trips: strconv's shortest form is this one. And f*10^k is within
// 0.12 of m, so rounding it finds m whenever m exists. Everything else
// (zero, negatives, NaN, huge or tiny values, more decimals) takes the
// general path.
func appendShortDecimal(dst []byte, f float64) ([]byte, bool) {
	if !(f >= 1e-6 && f < 1e9) {
		return dst, false
	}
	for k, p := range pow10 {
		m := math.Round(f * p)
		if m/p != f {
			continue
		}
		u := uint64(m)
		if k == 0 {
			return strconv.AppendUint(dst, u, 10), true
		}
		ip, fp := u/uint64(p), u%uint64(p)
		dst = strconv.AppendUint(dst, ip, 10)
		dst = append(dst, '.')
		// fp has exactly k digits, leading zeros included; its last digit
		// is not 0 (else k-1 digits would have matched)
		var buf [6]byte
		for i := k - 1; i >= 0; i-- {
			buf[i] = byte('0' + fp%10)
			fp /= 10
		}
		return append(dst, buf[:k]...), true
	}
	return dst, false
}

// appendFloatSlow is the general form of AppendFloat.
func appendFloatSlow(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// AppendBool appends true or false.
func AppendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// TimeLayout is the wire form of times: RFC 3339, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendTime appends t as a quoted RFC 3339 UTC time with milliseconds
// ("2026-05-07T14:22:44.000Z").
func AppendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, TimeLayout)
	return append(dst, '"')
}
