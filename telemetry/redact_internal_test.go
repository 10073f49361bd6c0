package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/stretchr/testify/require"
)

// fakeT records a testify failure message instead of failing.
type fakeT struct{ msg strings.Builder }

func (f *fakeT) Errorf(format string, args ...any) { fmt.Fprintf(&f.msg, format, args...) }

func (f *fakeT) FailNow() {}

func keyedConfig() Config {
	return Config{
		PublishableKey: pecta.NewAPIKey(testPK),
		SecretKey:      pecta.NewAPIKey(testSK),
		BaseURL:        "http://127.0.0.1:1",
		HTTPClient:     &http.Client{Timeout: time.Second},
		OnDrop:         func(DropReport) {},
		OnError:        func(error) {},
		Logger:         slog.New(slog.DiscardHandler),
	}
}

// Every printer a user may point at a Config, an Emitter or a struct
// holding them in unexported fields shows previews only (pecta.APIKey has
// the same tests of its own).
func TestKeysNeverPrint(t *testing.T) {
	cfg := keyedConfig()
	e := fakeEmitter(t, Config{PublishableKey: pecta.NewAPIKey(testPK), SecretKey: pecta.NewAPIKey(testSK), RequestsPerMinute: -1},
		func(_ context.Context, _ []byte, _ string) (int, error) { return 1, nil })
	// printing an emitter's fields races with its goroutines: close it first
	if err := e.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	type holder struct {
		Public Config
		hidden Config
		em     *Emitter
	}
	h := holder{Public: cfg, hidden: cfg, em: e}
	values := map[string]any{
		"Config": cfg, "*Config": &cfg, "holder": h, "*holder": &h, "Emitter": e,
		"Emitter deref": reflect.ValueOf(e).Elem(), // %+v of *e, without copying its locks
		"settings":      e.set,
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			assertNoKey(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
	}
	if got := fmt.Sprint(e); got != "telemetry.Emitter{base: https://api.pecta.ai, key: pk_live_...aaa1, signing: sk_live_...bbb2, closed}" {
		t.Fatalf("Emitter prints %q", got)
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

	// slog, text and JSON handlers, direct and nested
	var logs bytes.Buffer
	for _, hd := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(hd).Info("cfg", "cfg", cfg, "holder", h, "key", cfg.SecretKey, "emitter", e)
	}
	assertNoKey(t, "slog", logs.String())
	if strings.Contains(logs.String(), "!ERROR") || !strings.Contains(logs.String(), "sk_live_...bbb2") {
		t.Fatalf("slog output:\n%s", logs.String())
	}

	// encoding/json: a Config and a struct holding one marshal
	for _, v := range []any{cfg, &cfg, h} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%T): %v", v, err)
		}
		assertNoKey(t, "json", string(b))
	}
}
