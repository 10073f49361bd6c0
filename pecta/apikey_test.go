package pecta

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// holder keeps keys where fmt cannot call their methods (unexported
// fields) and where it can (exported), as a user's config struct would.
type holder struct {
	Name   string
	Key    APIKey
	secret APIKey
	ptr    *APIKey
}

// recorder collects what testify reports.
type recorder struct{ strings.Builder }

func (r *recorder) Errorf(format string, args ...any) { fmt.Fprintf(&r.Builder, format, args...) }

// printed returns every printed form of v this test knows: each fmt verb,
// slog's two handlers, encoding/json, encoding/xml and encoding/gob.
func printed(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p", "%T", "%10.3s"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Sprintln"] = fmt.Sprintln(v, &v)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
	out["slog"] = buf.String()
	if b, err := json.Marshal(v); err == nil {
		out["json"] = string(b)
	}
	if b, err := xml.Marshal(struct{ V any }{v}); err == nil {
		out["xml"] = string(b)
	}
	buf.Reset()
	if err := gob.NewEncoder(&buf).Encode(v); err == nil {
		out["gob"] = buf.String()
	}
	return out
}

// TestAPIKeyNeverPrints is the proof that no printer shows a key: every fmt
// verb (%p and %T included), fmt on unexported fields, slog, JSON (values
// and map keys), XML, gob, and testify's diffs, which print raw fields.
func TestAPIKeyNeverPrints(t *testing.T) {
	pk, sk := NewAPIKey(testPK), NewAPIKey(testSK)
	secrets := secretTexts(testPK, testSK)
	values := map[string]any{
		"APIKey":            sk,
		"*APIKey":           &pk,
		"exported field":    struct{ K APIKey }{sk},
		"holder":            holder{Name: "h", Key: pk, secret: sk, ptr: &sk},
		"*holder":           &holder{Name: "h", Key: sk, secret: pk, ptr: &pk},
		"nested unexported": struct{ h holder }{holder{secret: sk}},
		"slice":             []APIKey{pk, sk},
		"map value":         map[string]APIKey{"pk": pk, "sk": sk},
		"map key":           map[APIKey]int{pk: 1, sk: 2},
		"array":             [2]APIKey{pk, sk},
		"any slice":         []any{pk, &sk},
		"created key":       &CreatedKey{Key: Key{ID: "key_1", Preview: sk.Preview()}, Secret: sk},
	}
	for name, v := range values {
		for how, s := range printed(t, v) {
			assertNoSecret(t, name+" "+how, s, secrets)
		}
	}

	// testify's diff of two structs prints their raw fields (go-spew with
	// methods disabled): the keys must still not show
	var r recorder
	assert.Equal(&r, holder{Name: "a", secret: sk, Key: pk}, holder{Name: "b", secret: pk, Key: sk})
	if !strings.Contains(r.String(), "Diff") {
		t.Fatalf("testify reported no diff: %s", r.String())
	}
	assertNoSecret(t, "testify diff", r.String(), secrets)
	r.Reset()
	assert.Equal(&r, sk, pk)
	assertNoSecret(t, "testify diff of keys", r.String(), secrets)

	// the forms a user sees are the preview
	want := "sk_live_..." + testSK[len(testSK)-4:]
	for got, verb := range map[string]string{
		fmt.Sprint(sk):                 want,
		fmt.Sprintf("%q", sk):          `"` + want + `"`,
		fmt.Sprintf("%#v", sk):         `pecta.APIKey("` + want + `")`,
		fmt.Sprintf("%+v", holder{}):   "{Name: Key: secret:{preview: masked:} ptr:<nil>}",
		string(must(json.Marshal(sk))): `"` + want + `"`,
	} {
		if got != verb {
			t.Errorf("printed %q, want %q", got, verb)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestAPIKeyEquality(t *testing.T) {
	a, b := NewAPIKey(testSK), NewAPIKey(testSK)
	if a != b || !reflect.DeepEqual(holder{secret: a}, holder{secret: b}) {
		t.Error("keys made from the same text differ")
	}
	if a == NewAPIKey(testPK) || reflect.DeepEqual(holder{secret: a}, holder{secret: NewAPIKey(testPK)}) {
		t.Error("keys made from different texts are equal")
	}
	if NewAPIKey("") != (APIKey{}) || !NewAPIKey("").IsZero() || a.IsZero() {
		t.Error("zero key")
	}
	if a.Reveal() != testSK || (APIKey{}).Reveal() != "" {
		t.Error("Reveal")
	}
	// a malformed text is kept (and revealed) as is, and previews as such
	odd := NewAPIKey("not a key")
	if odd.Reveal() != "not a key" || odd.Preview() != "[invalid key]" || odd.IsSecret() || odd.IsPublishable() {
		t.Errorf("malformed key: %v", odd)
	}
	if !a.IsSecret() || a.IsPublishable() || !NewAPIKey(testPK).IsPublishable() {
		t.Error("IsSecret / IsPublishable")
	}
}

func TestParseKey(t *testing.T) {
	k, err := ParseKey(testPK)
	if err != nil || k != NewAPIKey(testPK) || !k.IsPublishable() {
		t.Fatalf("ParseKey(valid) = %v, %v", k, err)
	}
	for _, bad := range []string{"", testPK + "x", "sk_test_" + testSK[8:], " " + testSK} {
		k, err := ParseKey(bad)
		var ke *KeyError
		if !errors.As(err, &ke) || !k.IsZero() {
			t.Errorf("ParseKey(%q) = %v, %v; want a *KeyError", bad, k, err)
			continue
		}
		if len(bad) > 12 && strings.Contains(err.Error(), strings.TrimSpace(bad)[8:]) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
}

// Round trips fail loudly: the preview is not a key.
func TestAPIKeyRoundTrips(t *testing.T) {
	for _, raw := range []string{testPK, testSK} {
		k := NewAPIKey(raw)
		back := NewAPIKey(testSK)
		if err := json.Unmarshal(must(json.Marshal(k)), &back); !errors.Is(err, ErrKeyPreview) {
			t.Fatalf("JSON round trip = %v", err)
		}
		if err := back.UnmarshalText(must(k.MarshalText())); !errors.Is(err, ErrKeyPreview) {
			t.Fatalf("text round trip = %v", err)
		}
		// the full key decodes, as a value and in a map; null and "" are none
		var m map[string]APIKey
		if err := json.Unmarshal([]byte(`{"k":"`+raw+`","none":null,"empty":""}`), &m); err != nil {
			t.Fatal(err)
		}
		if m["k"] != k || !m["none"].IsZero() || !m["empty"].IsZero() {
			t.Fatalf("decoded %v", m)
		}
		back = k
		if err := json.Unmarshal([]byte(`null`), &back); err != nil || !back.IsZero() {
			t.Fatalf("null gave %v, %v", back, err)
		}
		var cfg struct{ Key APIKey }
		if err := xml.Unmarshal([]byte("<x><Key>"+raw+"</Key></x>"), &cfg); err != nil || cfg.Key != k {
			t.Fatalf("xml: %v, %v", cfg.Key, err)
		}
	}
	var k APIKey
	for _, bad := range []string{`12`, `{}`, `"[invalid key]"`, `"sk_live_...abcd"`, `'x'`} {
		if err := json.Unmarshal([]byte(bad), &k); err == nil {
			t.Fatalf("%s decoded as a key", bad)
		}
	}
}

// encoding/gob ignores MarshalText, and without GobEncode refuses APIKey
// (no exported fields): GobEncode carries the preview, and GobDecode
// refuses to decode it.
func TestAPIKeyGob(t *testing.T) {
	type config struct {
		Name string
		Key  APIKey
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(config{"c", NewAPIKey(testSK)}); err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "gob", buf.String(), secretTexts(testSK))
	if !strings.Contains(buf.String(), NewAPIKey(testSK).Preview()) {
		t.Errorf("gob does not carry the preview: %q", buf.String())
	}
	var back config
	if err := gob.NewDecoder(&buf).Decode(&back); !errors.Is(err, ErrKeyPreview) {
		t.Fatalf("gob round trip = %v, want ErrKeyPreview", err)
	}
	// the zero key travels as nothing and comes back as the zero key
	buf.Reset()
	if err := gob.NewEncoder(&buf).Encode(config{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := gob.NewDecoder(&buf).Decode(&back); err != nil || !back.Key.IsZero() {
		t.Fatalf("zero key: %v, %v", back.Key, err)
	}
}
