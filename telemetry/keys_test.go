package telemetry

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta"
)

// keyMaterial are substrings that must never appear in any output.
var keyMaterial = []string{testPK, testSK, testPK[8:], testSK[8:], testSK[8:20], testPK[8:20]}

func assertNoKey(t *testing.T, what, out string) {
	t.Helper()
	for _, k := range keyMaterial {
		if strings.Contains(out, k) {
			t.Fatalf("%s prints key material %q:\n%s", what, k, out)
		}
	}
}

// fakeT records a testify failure message instead of failing.
type fakeT struct{ msg strings.Builder }

func (f *fakeT) Errorf(format string, args ...any) { fmt.Fprintf(&f.msg, format, args...) }
func (f *fakeT) FailNow()                          {}

func keyedConfig() Config {
	return Config{
		PublishableKey: NewKey(testPK),
		SecretKey:      NewKey(testSK),
		BaseURL:        "http://127.0.0.1:1",
		HTTPClient:     &http.Client{Timeout: time.Second},
		OnDrop:         func(DropReport) {},
		OnError:        func(error) {},
		Logger:         slog.New(slog.DiscardHandler),
	}
}

// Every printer a user may point at a Config, an Emitter or a struct
// holding them shows previews only. Before Key, the keys were plain strings
// and printed in full through unexported fields, a dereferenced Emitter
// and testify diffs; json.Marshal(Config) failed.
func TestKeysNeverPrint(t *testing.T) {
	cfg := keyedConfig()
	e := fakeEmitter(t, Config{PublishableKey: NewKey(testPK), SecretKey: NewKey(testSK), RequestsPerMinute: -1},
		func(_ context.Context, _ []byte, _ string) (int, error) { return 1, nil })
	// printing an emitter's fields races with its goroutines: close it first
	if err := e.Close(t.Context()); err != nil {
		t.Fatal(err)
	}

	type holder struct {
		Public Config
		hidden Config
		em     *Emitter
		key    Key
	}
	h := holder{Public: cfg, hidden: cfg, em: e, key: cfg.SecretKey}
	values := map[string]any{
		"Config": cfg, "*Config": &cfg, "Key": cfg.SecretKey, "*Key": &cfg.SecretKey,
		"holder": h, "*holder": &h, "[]Key": []Key{cfg.PublishableKey, cfg.SecretKey},
		"map": map[string]Key{"k": cfg.SecretKey}, "Emitter": e,
		"Emitter deref": reflect.ValueOf(e).Elem(), // %+v of *e, without copying its locks
		"settings":      e.set,
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			assertNoKey(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
	}
	if got := fmt.Sprint(cfg.SecretKey); got != "sk_live_...bbb2" {
		t.Fatalf("Key prints %q, want its preview", got)
	}
	if got := fmt.Sprintf("%#v", cfg.PublishableKey); got != `telemetry.Key("pk_live_...aaa1")` {
		t.Fatalf("%%#v = %q", got)
	}

	// testify: the failure message of two different Configs (go-spew
	// dumps with methods disabled, following pointers)
	other := keyedConfig()
	other.BatchSize = 7
	ft := &fakeT{}
	require.Equal(ft, cfg, other)
	if !strings.Contains(ft.msg.String(), "BatchSize") {
		t.Fatalf("testify message has no diff:\n%s", ft.msg.String())
	}
	assertNoKey(t, "testify diff", ft.msg.String())
	ft = &fakeT{}
	require.Equal(ft, h, holder{})
	assertNoKey(t, "testify diff of a holder", ft.msg.String())
	// keys from the same text compare equal (reflect.DeepEqual)
	if !reflect.DeepEqual(NewKey(testSK), cfg.SecretKey) || reflect.DeepEqual(NewKey(testPK), cfg.SecretKey) {
		t.Fatal("Key equality")
	}

	// slog, text and JSON handlers, direct and nested
	var logs bytes.Buffer
	for _, hd := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		l := slog.New(hd)
		l.Info("cfg", "cfg", cfg, "holder", h, "key", cfg.SecretKey, "emitter", e)
	}
	assertNoKey(t, "slog", logs.String())
	if strings.Contains(logs.String(), "!ERROR") || !strings.Contains(logs.String(), "sk_live_...bbb2") {
		t.Fatalf("slog output:\n%s", logs.String())
	}

	// encoding/json: a Config and a struct holding one now marshal
	for _, v := range []any{cfg, &cfg, h, cfg.SecretKey} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%T): %v", v, err)
		}
		assertNoKey(t, "json", string(b))
	}
	b, _ := json.Marshal(cfg)
	if !strings.Contains(string(b), `"SecretKey":"sk_live_...bbb2"`) {
		t.Fatalf("json: %s", b)
	}

	// encoding/gob: keys encode as previews
	var gb bytes.Buffer
	type gobbed struct {
		Key     Key
		Name    string
		Keys    []Key
		Timeout time.Duration
	}
	if err := gob.NewEncoder(&gb).Encode(gobbed{Key: cfg.SecretKey, Name: "x", Keys: []Key{cfg.PublishableKey}}); err != nil {
		t.Fatal(err)
	}
	assertNoKey(t, "gob", gb.String())
	if !strings.Contains(gb.String(), "sk_live_...bbb2") {
		t.Fatal("gob lost the preview")
	}
}

// Round trips of a key fail loudly instead of producing a broken key.
func TestKeyRoundTripsFailLoudly(t *testing.T) {
	k := NewKey(testSK)
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var back Key
	if err := json.Unmarshal(b, &back); !errors.Is(err, ErrKeyPreview) || !back.IsZero() {
		t.Fatalf("json round trip: %v (key %v)", err, back)
	}
	var g bytes.Buffer
	if err := gob.NewEncoder(&g).Encode(k); err != nil {
		t.Fatal(err)
	}
	if err := gob.NewDecoder(&g).Decode(&back); !errors.Is(err, ErrKeyPreview) {
		t.Fatalf("gob round trip: %v", err)
	}
	text, _ := k.MarshalText()
	if err := back.UnmarshalText(text); !errors.Is(err, ErrKeyPreview) {
		t.Fatalf("text round trip: %v", err)
	}
	// the full key text decodes: a Config can be read from a file
	var cfg struct{ PublishableKey, SecretKey Key }
	if err := json.Unmarshal([]byte(`{"PublishableKey":"`+testPK+`","SecretKey":null}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.PublishableKey, NewKey(testPK)) || !cfg.SecretKey.IsZero() {
		t.Fatalf("decoded %v %v", cfg.PublishableKey, cfg.SecretKey)
	}
	if err := json.Unmarshal([]byte(`{"PublishableKey":12}`), &cfg); err == nil {
		t.Fatal("a number decoded as a key")
	}
	// pecta.APIKey follows the same rule
	ak := pecta.NewAPIKey(testSK)
	b, _ = json.Marshal(ak)
	var akBack pecta.APIKey
	if err := json.Unmarshal(b, &akBack); !errors.Is(err, pecta.ErrKeyPreview) || !akBack.IsZero() {
		t.Fatalf("APIKey json round trip: %v (%v)", err, akBack)
	}
}
