package gate

// PIIOptions configure the pii gate. Every kind is on by default; the
// Disable fields turn one off.
type PIIOptions struct {
	Name         string // default "pii"
	DisableEmail bool
	DisableSSN   bool
	DisablePhone bool
}

// PII returns a gate that scans every string of the output, recursively
// (map keys included), for personal data. Reasons name the kind, never the
// data:
//
//   - "email address detected": local@domain.tld, the domain with at least
//     one dot and a top-level domain of two letters or more ("@handle",
//     "user@localhost" and "a@b.c" pass).
//   - "US social security number detected": ddd-dd-dddd standing alone
//     (not inside a longer run of digits or letters; dates pass).
//   - "US phone number detected": a North American number with separators:
//     (ddd) ddd-dddd, ddd-ddd-dddd, ddd.ddd.dddd, ddd ddd dddd, optionally
//     after +1 or 1, with one kind of separator between the groups. A
//     bare run of ten digits (an id, a Unix time) passes, as does a longer
//     run of digit groups (a version, an address).
//
// When several kinds are present the reason names the first in this order.
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
		switch {
		case b == '@':
			if c.email && isEmailAt(s, i) {
				return piiEmail
			}
		case isDigit(b) || b == '(' || b == '+':
			if i > 0 && isAlnum(s[i-1]) {
				// inside a word or a number: skip the rest of the run
				for i+1 < len(s) && isAlnum(s[i+1]) {
					i++
				}
				continue
			}
			if c.ssn && best != piiSSN && isSSNAt(s, i) {
				best = piiSSN
			}
			if c.phone && best == 0 && isPhoneAt(s, i) {
				best = piiPhone
			}
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

func isAlnum(b byte) bool {
	return isDigit(b) || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func isEmailLocal(b byte) bool {
	return isAlnum(b) || b == '.' || b == '_' || b == '%' || b == '+' || b == '-'
}

// isEmailAt reports whether the '@' at s[at] joins a local part and a
// domain with a dot and an alphabetic top-level domain.
func isEmailAt(s string, at int) bool {
	l := at
	for l > 0 && isEmailLocal(s[l-1]) {
		l--
	}
	for l < at && s[l] == '.' {
		l++
	}
	if l == at {
		return false
	}
	// domain: labels of [A-Za-z0-9-] separated by single dots
	i := at + 1
	dots, labelStart, lastLabel := 0, i, ""
	for i < len(s) {
		b := s[i]
		if isAlnum(b) || b == '-' {
			i++
			continue
		}
		if b == '.' && i > labelStart && i+1 < len(s) && isAlnum(s[i+1]) {
			dots++
			i++
			labelStart = i
			continue
		}
		break
	}
	if dots == 0 || i == labelStart {
		return false
	}
	lastLabel = s[labelStart:i]
	if len(lastLabel) < 2 {
		return false
	}
	for k := 0; k < len(lastLabel); k++ {
		if b := lastLabel[k]; !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') {
			return false
		}
	}
	return true
}

// digits reports whether s[i:i+n] are all digits.
func digits(s string, i, n int) bool {
	if i+n > len(s) {
		return false
	}
	for k := i; k < i+n; k++ {
		if !isDigit(s[k]) {
			return false
		}
	}
	return true
}

// endsToken reports whether position i ends a number (no letter or digit
// follows).
func endsToken(s string, i int) bool { return i >= len(s) || !isAlnum(s[i]) }

// isSSNAt reports whether ddd-dd-dddd stands alone at s[i].
func isSSNAt(s string, i int) bool {
	return digits(s, i, 3) && i+11 <= len(s) && s[i+3] == '-' && digits(s, i+4, 2) && s[i+6] == '-' &&
		digits(s, i+7, 4) && endsToken(s, i+11) && !(i+11 < len(s) && s[i+11] == '-' && i+12 < len(s) && isDigit(s[i+12]))
}

func isPhoneSep(b byte) bool { return b == '-' || b == '.' || b == ' ' }

// isPhoneAt reports whether a North American phone number starts at s[i].
func isPhoneAt(s string, i int) bool {
	// optional country code: "+1", "1", each followed by a separator or "("
	if i < len(s) && s[i] == '+' {
		if !(i+1 < len(s) && s[i+1] == '1') {
			return false
		}
		i += 2
		if i < len(s) && isPhoneSep(s[i]) {
			i++
		}
	} else if i+1 < len(s) && s[i] == '1' && (isPhoneSep(s[i+1]) || s[i+1] == '(') {
		i++
		if isPhoneSep(s[i]) {
			i++
		}
	}
	// area code
	var sep byte
	switch {
	case i < len(s) && s[i] == '(':
		if !digits(s, i+1, 3) || i+4 >= len(s) || s[i+4] != ')' {
			return false
		}
		i += 5
		if i < len(s) && s[i] == ' ' {
			i++
		}
	case digits(s, i, 3) && i+3 < len(s) && isPhoneSep(s[i+3]):
		sep = s[i+3]
		i += 4
	default:
		return false
	}
	// exchange, separator, line
	if !digits(s, i, 3) || i+3 >= len(s) {
		return false
	}
	i += 3
	if !isPhoneSep(s[i]) || (sep != 0 && s[i] != sep) {
		if sep != 0 || s[i] != '-' && s[i] != '.' && s[i] != ' ' {
			return false
		}
	}
	i++
	return digits(s, i, 4) && endsToken(s, i+4) && !(i+4 < len(s) && isPhoneSep(s[i+4]) && i+5 < len(s) && isDigit(s[i+5]))
}
