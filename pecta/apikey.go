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

// APIKey holds a Pecta key so that it never prints. Make one with
// NewAPIKey (no check) or ParseKey (checked); the zero APIKey is "no key".
//
//	sk := pecta.NewAPIKey(os.Getenv("PECTA_SECRET_KEY"))
//
// Every printer shows only the preview ("pk_live_...x7f9"): each fmt verb,
// String, GoString, slog, encoding/json, encoding/text (and so XML) and
// encoding/gob. Printers that skip methods (fmt on a struct that
// holds an APIKey in an unexported field, go-spew and testify diffs) see
// the preview and the key text masked under a secret drawn at random when
// the process starts, never the text. Keys made from the same text are
// == and reflect.DeepEqual. Reveal is the only way back to the text.
//
// Round trips fail loudly: marshalling writes the preview, and decoding a
// preview returns ErrKeyPreview rather than a key the server would reject.
// Decoding the full key text works, so a key can be read from a config
// file.
type APIKey struct {
	preview string // what every printer shows
	masked  string // the key text, masked by internal/keys.Seal
}

// NewAPIKey wraps s, as read from the environment or a secret store. It
// does not check s (ParseKey does; so do NewClient and telemetry.New). The
// empty string gives the zero APIKey.
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

// Reveal returns the key text, for the one place that needs it, such as
// storing a newly created key in a secret manager. It is "" for the zero
// APIKey.
func (k APIKey) Reveal() string { return keys.Open(k.masked) }

// IsZero reports whether k holds no key.
func (k APIKey) IsZero() bool { return k.masked == "" }

// Preview returns the key's printable form: prefix, "...", last 4
// characters ("pk_live_...x7f9"); "[invalid key]" for a malformed key, ""
// for none.
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

// GobEncode encodes the preview, never the key. (encoding/gob does not use
// MarshalText, and refuses a struct without exported fields.)
func (k APIKey) GobEncode() ([]byte, error) { return []byte(k.preview), nil }

// GobDecode accepts the full key text and refuses a preview, as UnmarshalText.
func (k *APIKey) GobDecode(b []byte) error { return k.UnmarshalText(b) }

// ErrKeyPreview is returned when a key is decoded from its own marshalled
// form. Marshalling writes only the preview ("pk_live_...x7f9"), which is
// not a key: a JSON, text or gob round trip of a key fails with this error
// instead of producing a key that the server would reject. Supply the key
// itself (from the environment or a secret store) instead.
var ErrKeyPreview = errors.New("pecta: key is a redacted preview, not a key: keys are never marshalled in full; supply the key itself")

// UnmarshalText accepts the full text of a key, or "" for none, and
// refuses a preview with ErrKeyPreview. A malformed key is kept as it is:
// ParseKey, NewClient and telemetry.New say what is wrong with it.
func (k *APIKey) UnmarshalText(b []byte) error {
	if keys.IsPreview(string(b)) {
		return ErrKeyPreview
	}
	*k = NewAPIKey(string(b))
	return nil
}

// UnmarshalJSON accepts a JSON string holding the full key ("" or null for
// none) and refuses a preview with ErrKeyPreview.
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
