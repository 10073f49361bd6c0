package pecta

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/pecta-ai/pecta-go/internal/keys"
)

// APIKey holds a Pecta key so that it never prints: fmt, slog, JSON, text
// and gob show its preview ("pk_live_...x7f9"); printers of raw fields (fmt
// on unexported fields, testify diffs) see the preview and the key masked
// by a per-process secret. Keys from the same text are ==; Reveal is the
// only way back. The zero APIKey is "no key". Decoding accepts the full
// key text and refuses a preview (ErrKeyPreview).
//
//	sk := pecta.NewAPIKey(os.Getenv("PECTA_SECRET_KEY"))
type APIKey struct {
	preview string // what every printer shows
	masked  string // the key text, masked by internal/keys.Seal
}

// NewAPIKey wraps s, as read from the environment or a secret store,
// without checking it (ParseKey does). "" gives the zero APIKey.
func NewAPIKey(s string) APIKey {
	if s == "" {
		return APIKey{}
	}
	return APIKey{preview: keys.Preview(s), masked: keys.Seal(s)}
}

// ParseKey checks a key's format locally and returns it as an APIKey. The
// error, a *KeyError, says what is wrong and never contains the key.
func ParseKey(s string) (APIKey, error) {
	if _, err := keys.Parse(s); err != nil {
		return APIKey{}, &KeyError{Reason: err.(*keys.Error).Reason}
	}
	return NewAPIKey(s), nil
}

// Reveal returns the key text ("" for none), for the one place that needs
// it, such as storing a newly created key in a secret manager.
func (k APIKey) Reveal() string { return keys.Open(k.masked) }

// IsZero reports whether k holds no key.
func (k APIKey) IsZero() bool { return k.masked == "" }

// Preview returns "pk_live_...x7f9" ("[invalid key]" if malformed, "" if none).
func (k APIKey) Preview() string { return k.preview }

// IsSecret reports whether k is a well-formed secret (sk_live_) key.
func (k APIKey) IsSecret() bool { return strings.HasPrefix(k.preview, keys.SecretPrefix) }

// IsPublishable reports whether k is a well-formed publishable (pk_live_) key.
func (k APIKey) IsPublishable() bool {
	return strings.HasPrefix(k.preview, keys.PublishablePrefix)
}

// String returns the preview.
func (k APIKey) String() string { return k.preview }

// GoString returns the preview in a Go-syntax wrapper.
func (k APIKey) GoString() string { return "pecta.APIKey(" + strconv.Quote(k.preview) + ")" }

// Format prints the preview for every verb (%#v: GoString, %q: quoted).
func (k APIKey) Format(f fmt.State, verb rune) {
	keys.FormatPreview(f, verb, k.preview, k.GoString())
}

// LogValue logs the preview.
func (k APIKey) LogValue() slog.Value { return slog.StringValue(k.preview) }

// MarshalJSON encodes the preview, never the key.
func (k APIKey) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(k.preview)), nil }

// MarshalText encodes the preview, never the key.
func (k APIKey) MarshalText() ([]byte, error) { return []byte(k.preview), nil }

// GobEncode encodes the preview, never the key.
func (k APIKey) GobEncode() ([]byte, error) { return []byte(k.preview), nil }

// GobDecode accepts the full key text and refuses a preview, as UnmarshalText.
func (k *APIKey) GobDecode(b []byte) error { return k.UnmarshalText(b) }

// ErrKeyPreview is returned when an APIKey is decoded from a preview, as
// its own JSON, text or gob form holds: supply the key itself instead.
var ErrKeyPreview = errors.New("pecta: key is a redacted preview, not a key: keys are never marshalled in full; supply the key itself")

// UnmarshalText is NewAPIKey(string(b)), but refuses a preview (ErrKeyPreview).
func (k *APIKey) UnmarshalText(b []byte) error {
	if keys.IsPreview(string(b)) {
		return ErrKeyPreview
	}
	*k = NewAPIKey(string(b))
	return nil
}

// UnmarshalJSON decodes a JSON string as UnmarshalText, and null as none.
func (k *APIKey) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*k = APIKey{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("pecta: APIKey: want a JSON string")
	}
	return k.UnmarshalText([]byte(s))
}
