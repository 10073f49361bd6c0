package gate

import (
	"bytes"
	"sync"
	"unsafe"

	"github.com/pecta-ai/pecta-go/internal/jsonstr"
)

// json reads raw JSON: every string of the document, member names
// included, is decoded and checked, in one linear pass whatever the
// nesting (a JSON string is found by its quotes, not by descending into
// the containers around it). Bytes that are not one JSON document are
// read as text, like a []byte.
func (w *walker) json(raw []byte) (stop bool) {
	if !validJSON(raw) {
		return w.bytes(raw)
	}
	var buf *[]byte // for strings with escapes, from scratchPool
	defer func() {
		if buf != nil {
			*buf = (*buf)[:0]
			scratchPool.Put(buf)
		}
	}()
	for i := 0; i < len(raw); {
		q := bytes.IndexByte(raw[i:], '"')
		if q < 0 {
			return false
		}
		start := i + q + 1
		end, esc := stringEnd(raw, start) // valid JSON: always found
		body := raw[start:end]
		i = end + 1
		if !esc {
			if w.bytes(body) {
				return true
			}
			continue
		}
		if buf == nil {
			buf = scratchPool.Get().(*[]byte)
		}
		*buf = jsonstr.Unescape((*buf)[:0], body)
		if w.bytes(*buf) {
			return true
		}
	}
	return false
}

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// stringEnd returns the index of the quote closing the string whose body
// starts at raw[i], and whether the body has escapes; -1 if it is not
// closed or holds an invalid escape or a control character.
func stringEnd(raw []byte, i int) (end int, esc bool) {
	for i < len(raw) {
		switch c := raw[i]; {
		case c == '"':
			return i, esc
		case c == '\\':
			esc = true
			if i+1 >= len(raw) {
				return -1, esc
			}
			switch raw[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(raw) || !isHex4(raw[i+2:i+6]) {
					return -1, esc
				}
				i += 6
			default:
				return -1, esc
			}
		case c < 0x20:
			return -1, esc
		default:
			i++
		}
	}
	return -1, esc
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if jsonstr.Unhex(c) < 0 {
			return false
		}
	}
	return true
}

// validJSON reports whether raw is exactly one JSON value (RFC 8259) with
// optional surrounding whitespace, at any depth: the kind of each open
// container is one bit of a stack (1024 levels without allocation).
func validJSON(raw []byte) bool {
	var small [16]uint64
	kinds := small[:] // bit d: level d is an object (1) or an array (0)
	depth := 0
	push := func(obj bool) {
		if depth/64 >= len(kinds) {
			kinds = append(kinds, make([]uint64, len(kinds))...)
		}
		if obj {
			kinds[depth/64] |= 1 << (depth % 64)
		} else {
			kinds[depth/64] &^= 1 << (depth % 64)
		}
		depth++
	}
	inObject := func() bool { return kinds[(depth-1)/64]&(1<<((depth-1)%64)) != 0 }

	const (
		value      = iota // a value is next
		firstValue        // after '[': a value or ']'
		firstKey          // after '{': a member name or '}'
		key               // after ',' in an object: a member name
		after             // after a value: ',', the container's end, or the end
	)
	state := value
	i := 0
	for {
		i = skipJSONSpace(raw, i)
		if state == after {
			if depth == 0 {
				return i == len(raw)
			}
			if i >= len(raw) {
				return false
			}
			switch c := raw[i]; {
			case c == ',':
				i++
				if inObject() {
					state = key
				} else {
					state = value
				}
			case c == '}' && inObject(), c == ']' && !inObject():
				i++
				depth--
			default:
				return false
			}
			continue
		}
		if i >= len(raw) {
			return false
		}
		c := raw[i]
		switch state {
		case firstValue:
			if c == ']' {
				i++
				depth--
				state = after
				continue
			}
		case firstKey, key:
			if state == firstKey && c == '}' {
				i++
				depth--
				state = after
				continue
			}
			if c != '"' {
				return false
			}
			end, _ := stringEnd(raw, i+1)
			if end < 0 {
				return false
			}
			i = skipJSONSpace(raw, end+1)
			if i >= len(raw) || raw[i] != ':' {
				return false
			}
			i++
			state = value
			continue
		}
		// a value
		switch c {
		case '{':
			push(true)
			i++
			state = firstKey
			continue
		case '[':
			push(false)
			i++
			state = firstValue
			continue
		case '"':
			end, _ := stringEnd(raw, i+1)
			if end < 0 {
				return false
			}
			i = end + 1
		case 't':
			if !bytes.HasPrefix(raw[i:], []byte("true")) {
				return false
			}
			i += 4
		case 'f':
			if !bytes.HasPrefix(raw[i:], []byte("false")) {
				return false
			}
			i += 5
		case 'n':
			if !bytes.HasPrefix(raw[i:], []byte("null")) {
				return false
			}
			i += 4
		default:
			if i = numberEnd(raw, i); i < 0 {
				return false
			}
		}
		state = after
	}
}

func skipJSONSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// numberEnd returns the end of the JSON number at raw[i], or -1.
func numberEnd(d []byte, i int) int {
	digit := func(i int) bool { return i < len(d) && d[i] >= '0' && d[i] <= '9' }
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digit(i):
		for digit(i) {
			i++
		}
	default:
		return -1
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digit(i) {
			return -1
		}
		for digit(i) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digit(i) {
			return -1
		}
		for digit(i) {
			i++
		}
	}
	return i
}

// rawString returns b as a string without copying (b is not modified
// while the string is in use).
func rawString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
