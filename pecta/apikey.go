package pecta

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/pecta-ai/pecta-go/internal/keys"
)

// APIKey is a Pecta key that never prints itself. String, GoString, every
// fmt verb, slog and JSON show only its preview ("pk_live_...x7f9"). Convert
// it with string(k) where the full key is really needed, such as storing a
// newly created key in a secret manager.
//
// JSON and text round trips fail loudly: marshalling writes the preview,
// and unmarshalling a preview returns ErrKeyPreview rather than a key the
// server would reject. Unmarshalling the full key text works.
//
// What a string type cannot guard: fmt's %p (handled before any method),
// an APIKey used as a JSON map key (encoding/json writes string-kind keys
// as they are), printing a struct that holds an APIKey in an unexported
// field (fmt cannot call methods there), and dumpers that skip methods
// (go-spew with DisableMethods, as testify's diffs use). Avoid those; the
// SDK's own types (Client, telemetry.Config) hold keys where reflection
// cannot read them.
type APIKey string

// Preview returns the key's printable form: prefix, "...", last 4 characters.
func (k APIKey) Preview() string { return keys.Preview(string(k)) }

// String returns the preview.
func (k APIKey) String() string { return k.Preview() }

// GoString returns the preview in a Go-syntax wrapper.
func (k APIKey) GoString() string { return "pecta.APIKey(" + strconv.Quote(k.Preview()) + ")" }

// Format prints the preview for every verb.
func (k APIKey) Format(f fmt.State, verb rune) {
	p := k.Preview()
	keys.FormatPreview(f, verb, p, "pecta.APIKey("+strconv.Quote(p)+")")
}

// LogValue logs the preview.
func (k APIKey) LogValue() slog.Value { return slog.StringValue(k.Preview()) }

// MarshalJSON encodes the preview, never the key.
func (k APIKey) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(k.Preview())), nil }

// MarshalText encodes the preview, never the key.
func (k APIKey) MarshalText() ([]byte, error) { return []byte(k.Preview()), nil }

// ErrKeyPreview is returned when a key is decoded from its own marshalled
// form. Marshalling writes only the preview ("pk_live_...x7f9"), which is
// not a key: a JSON, text or gob round trip of a key fails with this error
// instead of producing a key that the server would reject. Supply the key
// itself (from the environment or a secret store) instead.
var ErrKeyPreview = errors.New("pecta: key is a redacted preview, not a key: keys are never marshalled in full; supply the key itself")

// UnmarshalText accepts the full text of a key, or "" for none, and
// refuses a preview with ErrKeyPreview. A malformed key is kept as is:
// NewClient and ParseKey report what is wrong with it.
func (k *APIKey) UnmarshalText(b []byte) error {
	s := string(b)
	if IsKeyPreview(s) {
		return ErrKeyPreview
	}
	*k = APIKey(s)
	return nil
}

// UnmarshalJSON accepts a JSON string holding the full key ("" or null for
// none) and refuses a preview with ErrKeyPreview.
func (k *APIKey) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil || b[0] != '"' {
		return errors.New("pecta: APIKey: want a JSON string")
	}
	return k.UnmarshalText([]byte(s))
}

// IsKeyPreview reports whether s is a redacted preview as printed by
// APIKey or the key listing ("pk_live_...x7f9", "[invalid key]") rather
// than a key.
func IsKeyPreview(s string) bool {
	return s == keys.InvalidPreview || strings.Contains(s, "...")
}

// ParseKey checks a key's format locally and returns it as an APIKey. The
// error, a *KeyError, says what is wrong and never contains the key.
func ParseKey(s string) (APIKey, error) {
	if _, err := keys.Parse(s); err != nil {
		return "", &KeyError{Reason: err.(*keys.Error).Reason}
	}
	return APIKey(s), nil
}

// IsSecret reports whether k is a well-formed secret (sk_live_) key.
func (k APIKey) IsSecret() bool {
	kind, err := keys.Parse(string(k))
	return err == nil && kind == keys.Secret
}

// IsPublishable reports whether k is a well-formed publishable (pk_live_) key.
func (k APIKey) IsPublishable() bool {
	kind, err := keys.Parse(string(k))
	return err == nil && kind == keys.Publishable
}
