package gate

import (
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
)

// isEmpty reports whether v is empty output, as the reference defines it:
// nil (undefined, null), a string that is empty or only whitespace, an
// empty slice, array or map ([] and {}), or raw JSON that is one of these.
// Pointers and interfaces are followed to what they point to (a nil
// pointer is null), however long the chain; a chain that loops back on
// itself points to no value and is empty. 0, false and a struct are not
// empty.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return isBlank(x)
	case json.RawMessage:
		return emptyJSON(x)
	case []byte:
		return isBlank(rawString(x))
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return false
	}
	rv := reflect.ValueOf(v)
	// Brent's cycle detection over the chain of pointers: saved is
	// compared with each step and moved to it after 1, 2, 4 ... steps.
	var saved reflect.Value
	for steps, power := 0, 1; ; steps++ {
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if rv.IsNil() {
				return true
			}
			if rv.Kind() == reflect.Pointer {
				if saved.IsValid() && saved.Pointer() == rv.Pointer() && saved.Type() == rv.Type() {
					return true // a pointer cycle: no value at the end
				}
				if steps >= power {
					saved, steps, power = rv, 0, power*2
				}
			}
			rv = rv.Elem()
			continue
		case reflect.String:
			return isBlank(rv.String())
		case reflect.Slice:
			if rv.Type() == rawMessageType {
				return emptyJSON(rv.Bytes())
			}
			return rv.Len() == 0
		case reflect.Map, reflect.Array:
			return rv.Len() == 0
		}
		return !rv.IsValid()
	}
}

// emptyJSON reports whether raw is null, "", a blank string, [], {} or
// only whitespace.
func emptyJSON(raw []byte) bool {
	s := strings.TrimSpace(rawString(raw))
	switch s {
	case "", "null", `""`:
		return true
	}
	if len(s) >= 2 && (s[0] == '[' && s[len(s)-1] == ']' || s[0] == '{' && s[len(s)-1] == '}') {
		return strings.TrimSpace(s[1:len(s)-1]) == ""
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		var str string
		if json.Unmarshal(raw, &str) == nil {
			return isBlank(str)
		}
	}
	return false
}

// isBlank reports whether s is empty or only whitespace, as JavaScript's
// String.prototype.trim sees it.
func isBlank(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			if !isJSSpace(rune(s[i])) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isJSSpace(r) {
			return false
		}
		i += n
	}
	return true
}

// isJSSpace reports whether r is matched by \s in a JavaScript regular
// expression (white space and line terminators of ECMAScript).
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}
