package gate

import (
	"context"
	"encoding/json"
	"reflect"
	"unsafe"
)

// The string walk inspects every string of a value, at any depth: no
// nesting level is left out and no depth limit makes a gate pass what it
// did not read.
//
// Values up to shallowDepth (128) levels are walked by recursion, with fast
// paths for the shapes of decoded JSON (no allocation). Anything deeper
// is handed to an explicit stack (deepWalk) whose size is bounded by the
// size of the value, not by the Go stack; it remembers every pointer,
// map and slice it has entered, so a cyclic value ends and a value that
// shares a sub-value many times is read once per sub-value. Raw JSON
// (json.RawMessage, at any place in the value) is read by a linear scan of
// its strings (scanJSON), which has no nesting limit at all.

// shallowDepth is how deep the recursive walk goes (in values read: a
// pointer, an interface and a struct are one level each) before the
// explicit stack takes over.
const shallowDepth = 128

// shallowBudget is how many values the recursive walk reads before every
// further container goes through the explicit stack, which reads a shared
// container once: a value built of shared sub-values (a diamond chain)
// cannot make the walk exponential.
const shallowBudget = 1 << 16

// checker inspects one string and returns the kind of problem found: 0 for
// none, 1 for the most important kind, then 2, 3 ...
type checker interface {
	check(s string) int
}

// walker holds the state of one walk: the most important kind found so
// far and, for deep values only, the explicit stack and the set of
// containers already entered.
type walker struct {
	c     checker
	found int // 0: none
	nodes int // values read by the recursive walk
	deep  *deepState
}

// add records kind k and reports whether the walk can stop (kind 1 found).
func (w *walker) add(k int) (stop bool) {
	if k > 0 && (w.found == 0 || k < w.found) {
		w.found = k
	}
	return w.found == 1
}

func (w *walker) str(s string) bool { return w.add(w.c.check(s)) }

func (w *walker) bytes(b []byte) bool {
	return w.str(unsafe.String(unsafe.SliceData(b), len(b)))
}

// walkStrings calls c.check on every string in v (map keys included, raw
// JSON decoded) and returns the most important kind found, so that the
// answer does not depend on map order. It stops at the first kind 1.
func walkStrings(v any, c checker) int {
	w := walker{c: c}
	w.walk(v, 0)
	return w.found
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func (w *walker) walk(v any, depth int) (stop bool) {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return w.str(x)
	case *string:
		if x == nil {
			return false
		}
		return w.str(*x)
	case []byte:
		return w.bytes(x)
	case json.RawMessage:
		return w.json(x)
	case []string:
		for _, s := range x {
			if w.str(s) {
				return true
			}
		}
		return false
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return false
	}
	if depth >= shallowDepth || w.nodes >= shallowBudget {
		return w.deepWalk(reflect.ValueOf(v))
	}
	w.nodes++
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if w.walk(e, depth+1) {
				return true
			}
		}
		return false
	case map[string]any:
		for k, e := range x {
			if w.str(k) || w.walk(e, depth+1) {
				return true
			}
		}
		return false
	case map[string]string:
		for k, e := range x {
			if w.str(k) || w.str(e) {
				return true
			}
		}
		return false
	}
	return w.walkValue(reflect.ValueOf(v), depth+1)
}

func (w *walker) walkValue(v reflect.Value, depth int) (stop bool) {
	if !v.IsValid() {
		return false
	}
	switch v.Kind() {
	case reflect.String:
		return w.str(v.String())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	}
	if depth >= shallowDepth || w.nodes >= shallowBudget {
		return w.deepWalk(v)
	}
	w.nodes++
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		return w.walkValue(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			if v.Type() == rawMessageType {
				return w.json(v.Bytes())
			}
			return w.bytes(v.Bytes())
		}
		for i := range v.Len() {
			if w.walkValue(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if w.walkValue(it.Key(), depth+1) || w.walkValue(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() && w.walkValue(v.Field(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// deepState is the explicit stack of a deep walk and the containers it
// has entered.
type deepState struct {
	stack []reflect.Value
	seen  map[visit]struct{}
}

// visit identifies a container: the address of its data, its type and,
// for a slice, its length (two slices of one array are two values).
type visit struct {
	p uintptr
	t reflect.Type
	n int
}

// enter reports whether the container v is entered for the first time.
func (d *deepState) enter(v reflect.Value, n int) bool {
	k := visit{p: uintptr(v.UnsafePointer()), t: v.Type(), n: n}
	if _, ok := d.seen[k]; ok {
		return false
	}
	d.seen[k] = struct{}{}
	return true
}

// deepWalk walks v with an explicit stack: memory grows with the size of
// the value, never the Go stack, and every pointer, map and slice is
// entered once, which ends cycles.
func (w *walker) deepWalk(root reflect.Value) (stop bool) {
	if w.deep == nil {
		w.deep = &deepState{seen: make(map[visit]struct{})}
	}
	d := w.deep
	base := len(d.stack)
	d.stack = append(d.stack, root)
	defer func() {
		clear(d.stack[base:])
		d.stack = d.stack[:base]
	}()
	for len(d.stack) > base {
		v := d.stack[len(d.stack)-1]
		d.stack = d.stack[:len(d.stack)-1]
		if !v.IsValid() {
			continue
		}
		switch v.Kind() {
		case reflect.String:
			if w.str(v.String()) {
				return true
			}
		case reflect.Interface:
			if !v.IsNil() {
				d.stack = append(d.stack, v.Elem())
			}
		case reflect.Pointer:
			if !v.IsNil() && d.enter(v, 0) {
				d.stack = append(d.stack, v.Elem())
			}
		case reflect.Slice:
			if v.Len() == 0 || !d.enter(v, v.Len()) {
				continue
			}
			if v.Type().Elem().Kind() == reflect.Uint8 {
				if v.Type() == rawMessageType && w.json(v.Bytes()) || v.Type() != rawMessageType && w.bytes(v.Bytes()) {
					return true
				}
				continue
			}
			for i := v.Len() - 1; i >= 0; i-- {
				d.stack = append(d.stack, v.Index(i))
			}
		case reflect.Array:
			for i := v.Len() - 1; i >= 0; i-- {
				d.stack = append(d.stack, v.Index(i))
			}
		case reflect.Map:
			if v.IsNil() || v.Len() == 0 || !d.enter(v, 0) {
				continue
			}
			it := v.MapRange()
			for it.Next() {
				d.stack = append(d.stack, it.Value(), it.Key())
			}
		case reflect.Struct:
			t := v.Type()
			for i := v.NumField() - 1; i >= 0; i-- {
				if t.Field(i).IsExported() {
					d.stack = append(d.stack, v.Field(i))
				}
			}
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
