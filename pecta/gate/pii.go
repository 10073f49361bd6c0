package gate

import "unicode/utf8"

// PIIOptions configure the pii gate. Every kind is on by default; the
// Disable fields turn one off.
type PIIOptions struct {
	Name         string // default "pii"
	DisableEmail bool
	DisableSSN   bool
	DisablePhone bool
}

// PII returns a gate that scans every string of the output, at any depth
// (map keys and raw JSON included), for personal data, with the regular
// expressions of the reference's pii gate page
// (https://docs.pecta.ai/gates/pii), matched exactly as JavaScript matches
// them (\b and \w are ASCII; \s is JavaScript's white space). Reasons name
// the kind, never the data:
//
//   - "email address detected": [a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}
//     ("user@example.com" and "first.last+tag@company.co.uk" are flagged;
//     "@handle", "user@localhost" and "a@b.c" are not).
//   - "US social security number detected":
//     \b(?!000|666|9\d{2})\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b. Structurally
//     invalid numbers are not flagged: area 000, 666 or 900-999, group 00,
//     serial 0000 ("000-12-3456", "666-00-1234", "900-12-3456",
//     "123-00-4567", "123-45-0000"). The page's text calls 000 and 666
//     "groups"; its expression, and the SSA's rules, apply them to the area
//     (the first three digits): we follow the expression. A number in a
//     longer run of digit groups ("123-45-6789-1") is flagged, as the
//     expression does.
//   - "US phone number detected":
//     \b(?:\+?1[-.\s]?)?\(?[2-9]\d{2}\)?[-.\s]\d{3}[-.\s]\d{4}\b:
//     "(555) 867-5309", "+1-800-555-0100", "555.867.5309"; separators may
//     differ ("555-867.5309"). An area code starting with 0 or 1
//     ("123-456-7890"), no separator after the area code
//     ("(555)867-5309") and a bare run of ten digits ("5558675309") are
//     not flagged.
//
// When several kinds are present the reason names the first in this order,
// whatever the order of the strings.
func PII(o PIIOptions) Gate {
	if o.Name == "" {
		o.Name = "pii"
	}
	return &scanGate{name: o.Name, reasons: piiReasons,
		c: &piiChecker{email: !o.DisableEmail, ssn: !o.DisableSSN, phone: !o.DisablePhone}}
}

const (
	piiEmail = iota + 1
	piiSSN
	piiPhone
)

var piiReasons = []string{
	piiEmail: "email address detected",
	piiSSN:   "US social security number detected",
	piiPhone: "US phone number detected",
}

type piiChecker struct{ email, ssn, phone bool }

func (c *piiChecker) check(s string) int {
	best := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !piiStart[b] {
			continue
		}
		if b == '@' {
			if c.email && isEmailAt(s, i) {
				return piiEmail
			}
			continue
		}
		// \b before a match: the byte before differs in "wordness"
		if prevWord := i > 0 && isWordByte(s[i-1]); prevWord == isWordByte(b) {
			continue
		}
		if c.ssn && best != piiSSN && isSSNAt(s, i) {
			best = piiSSN
		}
		if c.phone && best == 0 && isPhoneAt(s, i) {
			best = piiPhone
		}
	}
	return best
}

// piiStart marks the bytes a detection can start at.
var piiStart = func() (t [256]bool) {
	for _, b := range []byte("@(+0123456789") {
		t[b] = true
	}
	return t
}()

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isASCIILetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func isEmailLocal(b byte) bool {
	return isDigit(b) || isASCIILetter(b) || b == '.' || b == '_' || b == '%' || b == '+' || b == '-'
}

func isEmailDomain(b byte) bool { return isDigit(b) || isASCIILetter(b) || b == '.' || b == '-' }

// isEmailAt reports whether the '@' at s[at] is inside a match of the email
// expression: a local character before it, then a run of domain
// characters holding a dot that has at least one domain character before
// it and two letters after it.
func isEmailAt(s string, at int) bool {
	if at == 0 || !isEmailLocal(s[at-1]) {
		return false
	}
	for j := at + 2; j+2 < len(s) && isEmailDomain(s[j-1]); j++ {
		if s[j] == '.' && isASCIILetter(s[j+1]) && isASCIILetter(s[j+2]) {
			return true
		}
		if !isEmailDomain(s[j]) {
			return false
		}
	}
	return false
}

// digits reports whether s[i:i+n] are all digits.
func digits(s string, i, n int) bool {
	if i < 0 || i+n > len(s) {
		return false
	}
	for k := i; k < i+n; k++ {
		if !isDigit(s[k]) {
			return false
		}
	}
	return true
}

// wordEnd reports whether \b holds at i after a digit: no word character
// follows.
func wordEnd(s string, i int) bool { return i >= len(s) || !isWordByte(s[i]) }

// isSSNAt reports whether the SSN expression matches at s[i] (\b already
// checked): ddd-dd-dddd, a word boundary after, and none of the invalid
// area, group or serial numbers.
func isSSNAt(s string, i int) bool {
	if !(digits(s, i, 3) && i+11 <= len(s) && s[i+3] == '-' && digits(s, i+4, 2) && s[i+6] == '-' &&
		digits(s, i+7, 4) && wordEnd(s, i+11)) {
		return false
	}
	area, group, serial := s[i:i+3], s[i+4:i+6], s[i+7:i+11]
	return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000"
}

// phoneSep returns the length of a separator ([-.\s]) at s[i], 0 if none.
func phoneSep(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch b := s[i]; {
	case b == '-' || b == '.':
		return 1
	case b < utf8.RuneSelf:
		if isJSSpace(rune(b)) {
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if isJSSpace(r) {
		return n
	}
	return 0
}

// isPhoneAt reports whether the phone expression matches at s[i] (\b
// already checked). The optional parts are tried in every combination, as
// the regular expression backtracks; each combination is a fixed walk.
func isPhoneAt(s string, i int) bool {
	// (?:\+?1[-.\s]?)? : the positions where the rest may start
	var starts [5]int
	n := 0
	starts[n] = i
	n++
	j := i
	if j < len(s) && s[j] == '+' {
		j++
	}
	if j < len(s) && s[j] == '1' {
		j++
		starts[n] = j
		n++
		if k := phoneSep(s, j); k > 0 {
			starts[n] = j + k
			n++
		}
	}
	for _, p := range starts[:n] {
		for _, paren := range [2]bool{true, false} {
			q := p
			if paren {
				if q >= len(s) || s[q] != '(' {
					continue
				}
				q++
			}
			if !(q < len(s) && s[q] >= '2' && s[q] <= '9' && digits(s, q+1, 2)) {
				continue
			}
			q += 3
			for _, close := range [2]bool{true, false} {
				r := q
				if close {
					if r >= len(s) || s[r] != ')' {
						continue
					}
					r++
				}
				if phoneRest(s, r) {
					return true
				}
			}
		}
	}
	return false
}

// phoneRest matches [-.\s]\d{3}[-.\s]\d{4}\b at s[i].
func phoneRest(s string, i int) bool {
	k := phoneSep(s, i)
	if k == 0 || !digits(s, i+k, 3) {
		return false
	}
	i += k + 3
	k = phoneSep(s, i)
	return k > 0 && digits(s, i+k, 4) && wordEnd(s, i+k+4)
}
