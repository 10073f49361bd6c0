package rtb

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/pecta-ai/pecta-go/internal/jsonstr"
)

// scanner reads a JSON document in one pass: the fields the gates need are
// decoded, everything else is validated and skipped without being decoded.
// It never recurses deeper than maxNesting and never allocates, except to
// build a *ParseError.
type scanner struct {
	d   []byte
	i   int
	buf *[]byte // unescaped strings; capacity len(d), so it never moves
	doc string  // "request" or "response", for errors
	err *ParseError
	// strict validates the values no gate reads (skipStrict) instead of
	// only their structure (skipFast); tests compare it with
	// encoding/json.
	strict bool
}

// maxNesting bounds the depth of arrays and objects the scanner skips.
const maxNesting = 1000

func (s *scanner) fail(field, msg string) bool {
	if s.err == nil {
		s.err = &ParseError{Doc: s.doc, Field: field, Msg: msg}
	}
	return false
}

func (s *scanner) ws() {
	if s.i < len(s.d) && s.d[s.i] > ' ' { // the common case: no space
		return
	}
	s.skipSpace()
}

// skipSpace consumes white space.
func (s *scanner) skipSpace() {
	d, i := s.d, s.i
	for i < len(d) {
		switch d[i] {
		case ' ':
			if i+8 > len(d) {
				i++
				continue
			}
			// a run of spaces (indentation), eight bytes at a time: the
			// first byte that is not a space ends it
			x := binary.LittleEndian.Uint64(d[i:]) ^ 0x2020202020202020
			if x == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(x) / 8
		case '\t', '\n', '\r':
			i++
		default:
			s.i = i
			return
		}
	}
	s.i = i
}

// peek returns the next non-space byte, 0 at the end. Its common case
// (no space) is small enough to be inlined.
func (s *scanner) peek() byte {
	if i := s.i; i < len(s.d) && s.d[i] > ' ' {
		return s.d[i]
	}
	return s.peekSpace()
}

// peekSpace is peek after white space.
func (s *scanner) peekSpace() byte {
	if i := s.i; i+1 < len(s.d) && s.d[i] == ' ' && s.d[i+1] > ' ' { // one space, after ':' or ','
		s.i = i + 1
		return s.d[i+1]
	}
	s.skipSpace()
	if s.i < len(s.d) {
		return s.d[s.i]
	}
	return 0
}

// literal consumes lit (null, true, false).
func (s *scanner) literal(lit string) bool {
	if len(s.d)-s.i >= len(lit) && string(s.d[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// null consumes a null if one is next.
func (s *scanner) null() bool {
	return s.peek() == 'n' && s.literal("null")
}

// rawString consumes a string and returns its body (without quotes) and
// whether it has escapes. The body is validated: no control characters,
// only valid escapes.
func (s *scanner) rawString() (body []byte, esc, ok bool) {
	if s.peek() != '"' {
		return nil, false, false
	}
	return s.rawStringAt()
}

// rawStringAt is rawString when s.i is at the opening quote (the caller
// has peeked).
func (s *scanner) rawStringAt() (body []byte, esc, ok bool) {
	d := s.d
	start := s.i + 1
	i := start
	for i < len(d) {
		c := d[i]
		if !stringSpecial[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			s.i = i + 1
			return d[start:i], esc, true
		case c == '\\':
			esc = true
			if i+1 >= len(d) {
				return nil, false, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) {
					return nil, false, false
				}
				for _, h := range d[i+2 : i+6] {
					if jsonstr.Unhex(h) < 0 {
						return nil, false, false
					}
				}
				i += 6
			default:
				return nil, false, false
			}
		default: // a control character
			return nil, false, false
		}
	}
	return nil, false, false
}

// stringSpecial marks the bytes that end a run of plain string bytes: the
// quote, the backslash and the control characters.
var stringSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str consumes the string value at s.i (the caller has peeked its quote)
// and returns it: an alias of the document when it has no escapes, else
// unescaped into the scanner's buffer.
func (s *scanner) str() (string, bool) {
	body, esc, ok := s.rawStringAt()
	if !ok {
		return "", false
	}
	if !esc {
		return unsafe.String(unsafe.SliceData(body), len(body)), true
	}
	b := *s.buf
	start := len(b)
	b = jsonstr.Unescape(b, body)
	*s.buf = b
	out := b[start:]
	return unsafe.String(unsafe.SliceData(out), len(out)), true
}

// number consumes a JSON number and returns its text.
func (s *scanner) number() ([]byte, bool) {
	s.ws()
	start := s.i
	d := s.d
	i := s.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return nil, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return nil, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	s.i = i
	return d[start:i], true
}

// float consumes a number value as a finite float64.
func (s *scanner) float() (float64, bool) {
	t, ok := s.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(t), len(t)), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// objectStart consumes '{' and reports whether the object is empty (and
// consumed whole).
func (s *scanner) objectStart() (empty, ok bool) {
	if s.peek() != '{' {
		return false, false
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return true, true
	}
	return false, true
}

// key consumes a member name and its colon. A name with escapes is
// unescaped into the buffer (each byte of the document is unescaped at
// most once, so the buffer keeps room).
func (s *scanner) key() ([]byte, bool) {
	body, esc, ok := s.rawString()
	if !ok {
		return nil, false
	}
	if s.i < len(s.d) && s.d[s.i] == ':' {
		s.i++
	} else if s.peek() == ':' {
		s.i++
	} else {
		return nil, false
	}
	if esc {
		b := *s.buf
		start := len(b)
		b = jsonstr.Unescape(b, body)
		*s.buf = b
		return b[start:], true
	}
	return body, true
}

// next consumes the separator after a member or element: it returns more
// (a ',' was read) or the end (close was read).
func (s *scanner) next(close byte) (more, ok bool) {
	switch s.peek() {
	case ',':
		s.i++
		return true, true
	case close:
		s.i++
		return false, true
	}
	return false, false
}

// arrayStart consumes '[' and reports whether the array is empty.
func (s *scanner) arrayStart() (empty, ok bool) {
	if s.peek() != '[' {
		return false, false
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		return true, true
	}
	return false, true
}

// strings reads an array of strings (or null) into dst.
func (s *scanner) strings(dst *[]string) (ok bool, typeErr bool) {
	*dst = (*dst)[:0]
	if s.null() {
		return true, false
	}
	if s.peek() != '[' {
		return false, true
	}
	empty, _ := s.arrayStart()
	if empty {
		return true, false
	}
	for {
		if s.peek() != '"' {
			return false, true
		}
		v, ok := s.str()
		if !ok {
			return false, false
		}
		*dst = append(*dst, v)
		more, ok := s.next(']')
		if !ok {
			return false, false
		}
		if !more {
			return true, false
		}
	}
}

// end checks that only whitespace follows the document.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.d)
}
