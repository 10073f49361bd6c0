// Package jsonstr decodes the body of a JSON string that a scanner has
// already validated. The gate engine's raw-JSON reader and the RTB gates'
// scanner share it, so both decode escapes exactly as encoding/json does.
package jsonstr

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Unhex returns the value of the hex digit c, or -1 if c is not one.
func Unhex(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

func hex4(b []byte) rune {
	return Unhex(b[0])<<12 | Unhex(b[1])<<8 | Unhex(b[2])<<4 | Unhex(b[3])
}

// Unescape appends the decoded body of a valid JSON string (the bytes
// between the quotes, escapes already checked) to dst, as encoding/json
// decodes it: a lone or invalid surrogate becomes U+FFFD. The result is
// never longer than body.
func Unescape(dst, body []byte) []byte {
	for i := 0; i < len(body); {
		c := body[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch body[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(body[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
					r2 = hex4(body[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, body[i+1])
		}
		i += 2
	}
	return dst
}
