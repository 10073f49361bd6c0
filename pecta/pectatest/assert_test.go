package pectatest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// require is a minimal stand-in for testify's require (testify's yaml dependency is not in
// go.sum): every check stops the test on failure.
var require checks

type checks struct{}

func msg(extra []any) string {
	if len(extra) == 0 {
		return ""
	}
	if f, ok := extra[0].(string); ok {
		return ": " + fmt.Sprintf(f, extra[1:]...)
	}
	return ": " + fmt.Sprint(extra...)
}

func (checks) Equal(t testing.TB, want, got any, extra ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("not equal%s\nwant: %#v\n got: %#v", msg(extra), want, got)
	}
}

func (checks) NotEqual(t testing.TB, a, b any, extra ...any) {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		t.Fatalf("unexpectedly equal%s: %#v", msg(extra), a)
	}
}

func (checks) NoError(t testing.TB, err error, extra ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error%s: %v", msg(extra), err)
	}
}

func (checks) Error(t testing.TB, err error, extra ...any) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error%s", msg(extra))
	}
}

func (checks) True(t testing.TB, v bool, extra ...any) {
	t.Helper()
	if !v {
		t.Fatalf("expected true%s", msg(extra))
	}
}

func (checks) False(t testing.TB, v bool, extra ...any) {
	t.Helper()
	if v {
		t.Fatalf("expected false%s", msg(extra))
	}
}

func (checks) Contains(t testing.TB, s, sub string, extra ...any) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q%s", s, sub, msg(extra))
	}
}

func (checks) NotContains(t testing.TB, s, sub string, extra ...any) {
	t.Helper()
	if strings.Contains(s, sub) {
		t.Fatalf("output contains %q%s", sub, msg(extra))
	}
}

func (checks) Len(t testing.TB, v any, n int, extra ...any) {
	t.Helper()
	if got := reflect.ValueOf(v).Len(); got != n {
		t.Fatalf("length %d, want %d%s", got, n, msg(extra))
	}
}

func (checks) Empty(t testing.TB, v any, extra ...any) {
	t.Helper()
	if rv := reflect.ValueOf(v); rv.IsValid() && !rv.IsZero() && !(canLen(rv) && rv.Len() == 0) {
		t.Fatalf("expected empty%s, got %#v", msg(extra), v)
	}
}

func (checks) NotEmpty(t testing.TB, v any, extra ...any) {
	t.Helper()
	if rv := reflect.ValueOf(v); !rv.IsValid() || rv.IsZero() || (canLen(rv) && rv.Len() == 0) {
		t.Fatalf("expected not empty%s", msg(extra))
	}
}

func canLen(rv reflect.Value) bool {
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array, reflect.Chan:
		return true
	}
	return false
}

func (checks) Panics(t testing.TB, f func(), extra ...any) {
	t.Helper()
	panicked := func() (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}()
	if !panicked {
		t.Fatalf("expected a panic%s", msg(extra))
	}
}
