package pecta

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/pecta-ai/pecta-go/internal/keys"
)

// APIKey is a Pecta key that never prints itself. String, GoString, every
// fmt verb, slog and JSON show only its preview ("pk_live_...x7f9"). Convert
// it with string(k) where the full key is really needed, such as storing a
// newly created key in a secret manager.
//
// What a string type cannot guard: fmt's %p (handled before any method),
// an APIKey used as a JSON map key (encoding/json writes string-kind keys
// as they are), and printing a struct that holds an APIKey in an
// unexported field (fmt cannot call methods there). Avoid those; the SDK's
// own types keep keys behind a pointer for that reason.
type APIKey string

// Preview returns the key's printable form: prefix, "...", last 4 characters.
func (k APIKey) Preview() string { return keys.Preview(string(k)) }

// String returns the preview.
func (k APIKey) String() string { return k.Preview() }

// GoString returns the preview in a Go-syntax wrapper.
func (k APIKey) GoString() string { return "pecta.APIKey(" + strconv.Quote(k.Preview()) + ")" }

// Format prints the preview for every verb.
func (k APIKey) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, k.GoString())
	case verb == 'q':
		io.WriteString(f, strconv.Quote(k.Preview()))
	default:
		io.WriteString(f, k.Preview())
	}
}

// LogValue logs the preview.
func (k APIKey) LogValue() slog.Value { return slog.StringValue(k.Preview()) }

// MarshalJSON encodes the preview, never the key.
func (k APIKey) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(k.Preview())), nil }

// MarshalText encodes the preview, never the key.
func (k APIKey) MarshalText() ([]byte, error) { return []byte(k.Preview()), nil }

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
