package rtb

import "bytes"

// The values no gate reads (device, user, ext, a bid's adm ...) are most
// of a bid request and response. ParseRequest and ParseResponse skip them
// the way the fastest JSON readers do (simdjson's and jsonparser's
// skipping, without SIMD): a string by jumping to its closing quote
// (bytes.IndexByte, then the backslashes before it), an object or array
// by scanning for its closing bracket. What is checked: strings end, and
// brackets balance and match ({ with }, [ with ]), so the value's end is
// where the document says and every field a gate reads is found where it
// is. What is not: the grammar inside the skipped value (numbers,
// literals, commas, colons, escapes). Numbers and literals outside
// containers are validated: they are short. skipStrict validates
// everything (the scanner's strict mode, for tests against encoding/json).

// skipAny consumes the value that comes next, which no gate reads.
func (s *scanner) skipAny() bool {
	if s.strict {
		return s.skipStrict(0)
	}
	switch s.peek() {
	case '"':
		return s.skipString()
	case '{', '[':
		return s.skipContainer()
	}
	return s.skipStrict(0)
}

// skipString consumes the string at s.i (its opening quote): a short one
// by a byte loop, a long one, or one with escapes, by bytes.IndexByte.
func (s *scanner) skipString() bool {
	d, open := s.d, s.i
	j, end := open+1, min(open+17, len(d))
	for j < end && d[j] != '"' && d[j] != '\\' {
		j++
	}
	if j < end && d[j] == '"' {
		s.i = j + 1
		return true
	}
	for i := open + 1; ; {
		j := bytes.IndexByte(d[i:], '"')
		if j < 0 {
			return false
		}
		i += j
		esc := 0 // backslashes just before the quote
		for k := i - 1; k > open && d[k] == '\\'; k-- {
			esc++
		}
		i++
		if esc%2 == 0 {
			s.i = i
			return true
		}
	}
}

// structural marks the bytes skipContainer stops at.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipContainer consumes the object or array at s.i. The kinds of the open
// containers are a bit stack in one word; a value nested deeper than 64
// levels is skipped by skipStrict.
func (s *scanner) skipContainer() bool {
	d, start := s.d, s.i
	var objects uint64 // bit 0: the innermost container is an object
	depth := 0
	for i := start; i < len(d); {
		c := d[i]
		if !structural[c] {
			i++
			continue
		}
		switch c {
		case '"':
			// a short string (a key, a number as text) inline, else skipString
			j, end := i+1, min(i+17, len(d))
			for j < end && d[j] != '"' && d[j] != '\\' {
				j++
			}
			if j < end && d[j] == '"' {
				i = j + 1
				continue
			}
			s.i = i
			if !s.skipString() {
				return false
			}
			i = s.i
			continue
		case '{', '[':
			if depth == 64 {
				s.i = start
				return s.skipStrict(0)
			}
			objects <<= 1
			if c == '{' {
				objects |= 1
			}
			depth++
		default: // '}', ']'
			if depth == 0 || (objects&1 == 1) != (c == '}') {
				return false
			}
			objects >>= 1
			depth--
			if depth == 0 {
				s.i = i + 1
				return true
			}
		}
		i++
	}
	return false
}

// skipStrict consumes any value, validating it.
func (s *scanner) skipStrict(depth int) bool {
	if depth > maxNesting {
		return false
	}
	switch s.peek() {
	case '"':
		_, _, ok := s.rawString()
		return ok
	case '{':
		s.i++
		if s.peek() == '}' {
			s.i++
			return true
		}
		for {
			if _, _, ok := s.rawString(); !ok {
				return false
			}
			if s.peek() != ':' {
				return false
			}
			s.i++
			if !s.skipStrict(depth + 1) {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case '}':
				s.i++
				return true
			default:
				return false
			}
		}
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return true
		}
		for {
			if !s.skipStrict(depth + 1) {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return true
			default:
				return false
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	case 0:
		return false
	}
	_, ok := s.number()
	return ok
}
