package telemetry

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/pecta-ai/pecta-go/internal/keys"
	"github.com/pecta-ai/pecta-go/pecta"
)

// Key holds an API key for Config so that it never prints: make one with
// NewKey.
//
//	cfg := telemetry.Config{PublishableKey: telemetry.NewKey(os.Getenv("PECTA_API_KEY"))}
//
// Every fmt verb, String, GoString, slog, encoding/json, encoding/text and
// encoding/gob show only its preview ("pk_live_...x7f9"). The key text is
// held inside a function value, which reflection cannot read: %+v of a
// struct that holds a Config in an unexported field, of a dereferenced
// Emitter, or a testify/go-spew diff of two Configs print a function
// address, never the key. Key has no method that returns the key.
//
// Round trips fail loudly: marshalling writes the preview, and decoding a
// preview (JSON, text or gob) returns an error saying so instead of a
// broken key. Decoding the full key text works, so a Config can be read
// from a JSON file. The zero Key is "no key". Keys made from the same text
// are equal under reflect.DeepEqual (testify's Equal).
type Key struct{ h *keyHandle }

// keyHandle is interned per key text: equal texts share one handle, so
// reflect.DeepEqual (which compares pointers first) finds equal keys equal
// although it cannot compare the functions inside.
type keyHandle struct{ text func() string }

var keyHandles sync.Map // key text -> *keyHandle

// NewKey wraps s, as read from the environment or a secret store, in a Key.
// It does not check s: New does, with a *ConfigError naming the field. The
// empty string gives the zero Key.
func NewKey(s string) Key {
	if s == "" {
		return Key{}
	}
	if h, ok := keyHandles.Load(s); ok {
		return Key{h.(*keyHandle)}
	}
	h, _ := keyHandles.LoadOrStore(s, &keyHandle{text: func() string { return s }})
	return Key{h.(*keyHandle)}
}

// reveal returns the key text. Only the emitter's wiring calls it.
func (k Key) reveal() string {
	if k.h == nil {
		return ""
	}
	return k.h.text()
}

// IsZero reports whether k holds no key.
func (k Key) IsZero() bool { return k.h == nil }

// Preview returns the printable form: prefix, "...", last 4 characters
// ("pk_live_...x7f9"), "[invalid key]" for a malformed key, "" for none.
func (k Key) Preview() string { return keys.Preview(k.reveal()) }

// String returns the preview.
func (k Key) String() string { return k.Preview() }

// GoString returns the preview in a Go-syntax wrapper.
func (k Key) GoString() string { return "telemetry.Key(" + strconv.Quote(k.Preview()) + ")" }

// Format prints the preview for every verb (%#v: GoString, %q: quoted).
func (k Key) Format(f fmt.State, verb rune) {
	p := k.Preview()
	keys.FormatPreview(f, verb, p, "telemetry.Key("+strconv.Quote(p)+")")
}

// LogValue logs the preview.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.Preview()) }

// MarshalText encodes the preview, never the key.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.Preview()), nil }

// UnmarshalText accepts a full key (or "" for none) and refuses a preview
// with ErrKeyPreview.
func (k *Key) UnmarshalText(b []byte) error {
	s := string(b)
	if err := checkKeyText(s); err != nil {
		return err
	}
	*k = NewKey(s)
	return nil
}

// MarshalJSON encodes the preview as a JSON string, never the key.
func (k Key) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(k.Preview())), nil }

// UnmarshalJSON accepts a JSON string holding a full key ("" or null for
// none) and refuses a preview with ErrKeyPreview.
func (k *Key) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*k = Key{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil || len(b) < 2 || b[0] != '"' {
		return errors.New("telemetry: Key: want a JSON string")
	}
	return k.UnmarshalText([]byte(s))
}

// GobEncode encodes the preview, never the key.
func (k Key) GobEncode() ([]byte, error) { return []byte(k.Preview()), nil }

// GobDecode accepts a full key and refuses a preview, as UnmarshalText.
func (k *Key) GobDecode(b []byte) error { return k.UnmarshalText(b) }

// ErrKeyPreview is returned when a Key (or pecta.APIKey) is decoded from
// its own marshalled form: marshalling writes only the preview, which is
// not a key. Supply the key itself (for example from the environment).
var ErrKeyPreview = pecta.ErrKeyPreview

// checkKeyText refuses previews. A malformed key is left to New, which
// names the field.
func checkKeyText(s string) error {
	if keys.IsPreview(s) {
		return ErrKeyPreview
	}
	return nil
}
