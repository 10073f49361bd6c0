package gate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// depthGates are a finding of each kind the string walk looks for, with
// the gate that must fail on it.
func depthGates(t *testing.T) []struct {
	name    string
	g       gate.Gate
	finding string
	reason  string
} {
	content, err := gate.Content(gate.ContentOptions{})
	require.NoError(t, err)
	fs := gate.Filesystem(gate.FilesystemOptions{})
	pii := gate.PII(gate.PIIOptions{})
	return []struct {
		name    string
		g       gate.Gate
		finding string
		reason  string
	}{
		{"rm", fs, "rm -rf /", "destructive rm command"},
		{"traversal", fs, "../../etc/passwd", "path traversal (..)"},
		{"email", pii, "jane.doe@example.com", "email address detected"},
		{"ssn", pii, "123-45-6789", "US social security number detected"},
		{"phone", pii, "(555) 867-5309", "US phone number detected"},
		{"refusal", content, "I cannot do that.", "refusal detected"},
	}
}

// nest wraps leaf in n levels of the given shape.
func nest(shape string, n int, leaf any) any {
	v := leaf
	for range n {
		switch shape {
		case "map":
			v = map[string]any{"k": v, "ok": "fine"}
		case "slice":
			v = []any{"fine", v}
		case "pointer":
			p := new(any)
			*p = v
			v = p
		case "struct":
			v = struct {
				Note  string
				Inner any
			}{"fine", v}
		case "mixed":
			v = map[string][]any{"k": {v}}
		}
	}
	return v
}

// nestJSON wraps the JSON string leaf in n levels of objects and arrays.
func nestJSON(n int, leaf string) json.RawMessage {
	var b strings.Builder
	for i := range n {
		if i%2 == 0 {
			b.WriteString(`{"ok":"fine","k":`)
		} else {
			b.WriteString(`["fine",`)
		}
	}
	b.WriteString(leaf)
	for i := n - 1; i >= 0; i-- {
		if i%2 == 0 {
			b.WriteString("}")
		} else {
			b.WriteString("]")
		}
	}
	return json.RawMessage(b.String())
}

// TestNoDepthLimit nests each kind of finding 10, 64, 65, 1,000 and
// 100,000 levels deep, in Go values of every shape and in raw JSON: every
// gate finds it (a gate never passes what it did not read), and the same
// nesting without the finding passes.
func TestNoDepthLimit(t *testing.T) {
	depths := []int{10, 64, 65, 1000, 100_000}
	if testing.Short() {
		depths = depths[:4]
	}
	for _, k := range depthGates(t) {
		leafJSON, err := json.Marshal(k.finding)
		require.NoError(t, err)
		for _, n := range depths {
			for _, shape := range []string{"map", "slice", "pointer", "struct", "mixed"} {
				t.Run(fmt.Sprintf("%s/%s/%d", k.name, shape, n), func(t *testing.T) {
					out := run(k.g, nest(shape, n, k.finding))
					require.False(t, out.Passed)
					require.Equal(t, k.reason, out.Reason)
					require.True(t, run(k.g, nest(shape, n, "fine")).Passed)
				})
			}
			t.Run(fmt.Sprintf("%s/json/%d", k.name, n), func(t *testing.T) {
				out := run(k.g, nestJSON(n, string(leafJSON)))
				require.False(t, out.Passed)
				require.Equal(t, k.reason, out.Reason)
				require.True(t, run(k.g, nestJSON(n, `"fine"`)).Passed)
				// raw JSON inside a Go value is decoded as JSON too
				out = run(k.g, map[string]any{"raw": nestJSON(n, string(leafJSON))})
				require.Equal(t, k.reason, out.Reason)
				// and escaped characters are decoded before the check
				esc := strings.ReplaceAll(string(leafJSON), "e", `\u0065`)
				require.Equal(t, k.reason, run(k.g, nestJSON(n, esc)).Reason)
			})
		}
	}
}

// TestCyclicValues: a walk of a cyclic value ends, and reads what the
// cycle holds.
func TestCyclicValues(t *testing.T) {
	for _, k := range depthGates(t) {
		t.Run(k.name, func(t *testing.T) {
			m := map[string]any{"ok": "fine"}
			m["self"] = m
			require.True(t, run(k.g, m).Passed)
			m["bad"] = k.finding
			require.Equal(t, k.reason, run(k.g, m).Reason)

			s := make([]any, 2)
			s[0], s[1] = s, "fine"
			require.True(t, run(k.g, s).Passed)
			s[1] = k.finding
			require.Equal(t, k.reason, run(k.g, s).Reason)

			type node struct {
				Next *node
				Note string
			}
			a, b := &node{Note: "fine"}, &node{Note: "fine"}
			a.Next, b.Next = b, a
			require.True(t, run(k.g, a).Passed)
			b.Note = k.finding
			require.Equal(t, k.reason, run(k.g, a).Reason)

			if k.name != "refusal" { // content: empty output, below
				var p any
				p = &p // a pointer to itself
				require.True(t, run(k.g, p).Passed)
			}
		})
	}
	content, err := gate.Content(gate.ContentOptions{})
	require.NoError(t, err)
	var p any
	p = &p
	require.Equal(t, "empty output", run(content, p).Reason, "a pointer cycle holds no value")
}

// TestSharedSubvalues: a value that refers to one sub-value many times
// (a diamond chain, 2^60 paths) is read in time linear in its size.
func TestSharedSubvalues(t *testing.T) {
	g := gate.PII(gate.PIIOptions{})
	var v any = "x@y.io"
	for range 60 {
		v = []any{v, v}
	}
	require.Equal(t, "email address detected", run(g, v).Reason)
	var w any = "fine"
	for range 60 {
		w = map[string]any{"a": w, "b": w}
	}
	require.True(t, run(g, w).Passed)
}

// TestInvalidRawJSON: bytes that are not JSON are read as text.
func TestInvalidRawJSON(t *testing.T) {
	g := gate.Filesystem(gate.FilesystemOptions{})
	for _, raw := range []string{`{"cmd": "rm -rf /"`, `rm -rf /`, `["ok", rm -rf /]`, `{"a":"x"} rm -rf /`} {
		require.Equal(t, "destructive rm command", run(g, json.RawMessage(raw)).Reason, raw)
	}
	require.True(t, run(g, json.RawMessage(`{"a": [1, 2.5e3, true, null, "fine"]}`)).Passed)
}

// TestWalkAllocs: a decoded JSON value of ordinary depth costs no
// allocation.
func TestWalkAllocs(t *testing.T) {
	var v any
	require.NoError(t, json.Unmarshal([]byte(`{"a":[{"b":"fine","c":[1,2,{"d":"ok"}]}],"e":{"f":"g"}}`), &v))
	raw := json.RawMessage(`{"a":[{"b":"fine","c":[1,2,{"d":"ok"}]}],"e":{"f":"g"}}`)
	ev := &gate.Evaluation{AgentID: "a"}
	ctx := context.Background()
	for _, g := range gate.CloudGates() {
		for _, out := range []any{v, raw, nest("struct", 20, "fine"), nest("map", 30, "fine")} {
			ev.Output = out
			allocs := testing.AllocsPerRun(100, func() { g.Run(ctx, ev) })
			require.Zero(t, allocs, "%s %T", g.Name(), out)
		}
	}
}
