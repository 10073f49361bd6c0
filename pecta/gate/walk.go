package gate

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"unsafe"
)

// maxDepth bounds the walk of nested values (and cuts pointer cycles).
const maxDepth = 64

// checker inspects one string and returns the kind of problem found: 0 for
// none, 1 for the most important kind, then 2, 3 ...
type checker interface {
	check(s string) int
}

// finding is the most important kind found so far (0: none).
type finding int

func (f *finding) add(k int) (stop bool) {
	if k > 0 && (*f == 0 || k < int(*f)) {
		*f = finding(k)
	}
	return *f == 1
}

// walkStrings calls c.check on every string in v, recursively (map keys
// included), and returns the most important kind found, so that the answer
// does not depend on map order. It stops at the first kind 1. Common shapes (string, []byte,
// []string, []any, map[string]any, map[string]string, json.RawMessage)
// take a fast path; anything else is walked by reflection (exported
// struct fields, slices, arrays, maps, pointers, interfaces).
func walkStrings(v any, c checker) int {
	var f finding
	walk(v, c, &f, 0)
	return int(f)
}

func walk(v any, c checker, f *finding, depth int) (stop bool) {
	if depth > maxDepth {
		return false
	}
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return f.add(c.check(x))
	case *string:
		if x == nil {
			return false
		}
		return f.add(c.check(*x))
	case []byte:
		return f.add(c.check(unsafe.String(unsafe.SliceData(x), len(x))))
	case json.RawMessage:
		var d any
		if json.Unmarshal(x, &d) != nil {
			return f.add(c.check(unsafe.String(unsafe.SliceData(x), len(x))))
		}
		return walk(d, c, f, depth+1)
	case []string:
		for _, s := range x {
			if f.add(c.check(s)) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if walk(e, c, f, depth+1) {
				return true
			}
		}
		return false
	case map[string]any:
		for k, e := range x {
			if f.add(c.check(k)) {
				return true
			}
			if walk(e, c, f, depth+1) {
				return true
			}
		}
		return false
	case map[string]string:
		for k, e := range x {
			if f.add(c.check(k)) {
				return true
			}
			if f.add(c.check(e)) {
				return true
			}
		}
		return false
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return false
	}
	return walkValue(reflect.ValueOf(v), c, f, depth+1)
}

func walkValue(v reflect.Value, c checker, f *finding, depth int) (stop bool) {
	if depth > maxDepth || !v.IsValid() {
		return false
	}
	switch v.Kind() {
	case reflect.String:
		return f.add(c.check(v.String()))
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		return walkValue(v.Elem(), c, f, depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			b := v.Bytes()
			return f.add(c.check(unsafe.String(unsafe.SliceData(b), len(b))))
		}
		for i := range v.Len() {
			if walkValue(v.Index(i), c, f, depth+1) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if walkValue(it.Key(), c, f, depth+1) {
				return true
			}
			if walkValue(it.Value(), c, f, depth+1) {
				return true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			if walkValue(v.Field(i), c, f, depth+1) {
				return true
			}
		}
	}
	return false
}

// isEmpty reports whether v is empty output: nil, a string that is empty or
// only whitespace, an empty slice, array or map, a nil pointer, or raw JSON
// that is one of null, "", [], {} (or only whitespace).
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case json.RawMessage:
		return emptyJSON(x)
	case []byte:
		return strings.TrimSpace(unsafe.String(unsafe.SliceData(x), len(x))) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return false
	}
	rv := reflect.ValueOf(v)
	for depth := 0; depth < maxDepth; depth++ {
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if rv.IsNil() {
				return true
			}
			rv = rv.Elem()
			continue
		case reflect.String:
			return strings.TrimSpace(rv.String()) == ""
		case reflect.Slice, reflect.Map, reflect.Array:
			return rv.Len() == 0
		}
		return false
	}
	return false
}

// emptyJSON reports whether raw is null, "", [], {} or blank.
func emptyJSON(raw []byte) bool {
	s := strings.TrimSpace(unsafe.String(unsafe.SliceData(raw), len(raw)))
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
			return strings.TrimSpace(str) == ""
		}
	}
	return false
}

// scanGate is a gate that fails when its checker finds something in any
// string of the output (Filesystem, PII): the finding, 1 and up, indexes
// the fixed reasons, so a reason never quotes the output.
type scanGate struct {
	name    string
	c       checker
	reasons []string
}

func (g *scanGate) Name() string { return g.name }

func (g *scanGate) Run(_ context.Context, ev *Evaluation) Outcome {
	if k := walkStrings(ev.Output, g.c); k != 0 {
		return Fail(g.reasons[k])
	}
	return Pass()
}
