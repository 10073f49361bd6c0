// Package keys parses and redacts Pecta API keys.
//
// A key is a prefix ("pk_live_" publishable, "sk_live_" secret) followed by
// exactly 32 ASCII letters or digits. Errors from this package never contain
// the key, or any part of it, so they are safe to log.
package keys

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kind is the type of a key, read from its prefix.
type Kind int

// Key kinds.
const (
	Invalid Kind = iota
	Publishable
	Secret
)

// Prefixes and body length of well-formed keys.
const (
	PublishablePrefix = "pk_live_"
	SecretPrefix      = "sk_live_"
	BodyLen           = 32
	Len               = len(PublishablePrefix) + BodyLen
)

// String names the kind ("publishable", "secret").
func (k Kind) String() string {
	switch k {
	case Publishable:
		return "publishable"
	case Secret:
		return "secret"
	}
	return "invalid"
}

// Error reports why a string is not a well-formed key. It holds only a
// description of the problem, never the key.
type Error struct {
	Reason string
}

func (e *Error) Error() string { return "malformed key: " + e.Reason }

// Parse checks the format of s and returns its kind. It does no I/O.
func Parse(s string) (Kind, error) {
	if s == "" {
		return Invalid, &Error{Reason: "key is empty"}
	}
	if strings.TrimSpace(s) != s {
		return Invalid, &Error{Reason: "key has leading or trailing white space"}
	}
	var kind Kind
	switch {
	case strings.HasPrefix(s, PublishablePrefix):
		kind = Publishable
	case strings.HasPrefix(s, SecretPrefix):
		kind = Secret
	case strings.HasPrefix(s, "pk_test_"), strings.HasPrefix(s, "sk_test_"):
		return Invalid, &Error{Reason: "test-mode prefix is not supported; want pk_live_ or sk_live_"}
	default:
		return Invalid, &Error{Reason: "unknown prefix; want pk_live_ or sk_live_"}
	}
	body := s[len(PublishablePrefix):]
	if len(body) != BodyLen {
		return Invalid, &Error{Reason: "wrong length: want prefix plus 32 characters"}
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return Invalid, &Error{Reason: "invalid character: only A-Z, a-z and 0-9 may follow the prefix"}
		}
	}
	return kind, nil
}

// InvalidPreview is the preview of a string that is not a well-formed key.
const InvalidPreview = "[invalid key]"

// Preview returns the printable form of a key: its prefix, "...", and its
// last four characters ("pk_live_...x7f9"). A string that is not a
// well-formed key previews as "[invalid key]", and the empty string as "".
func Preview(s string) string {
	if s == "" {
		return ""
	}
	if _, err := Parse(s); err != nil {
		return InvalidPreview
	}
	return s[:len(PublishablePrefix)] + "..." + s[len(s)-4:]
}

// IsPreview reports whether s is a redacted preview as Preview prints it
// ("pk_live_...x7f9", "[invalid key]") rather than a key.
func IsPreview(s string) bool {
	return s == InvalidPreview || strings.Contains(s, "...")
}

// FormatPreview writes a key's preview for verb: goString for %#v, the
// quoted preview for %q, the preview for every other verb. The key type
// (pecta.APIKey) formats through it, so no verb prints a key.
func FormatPreview(f fmt.State, verb rune, preview, goString string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, goString)
	case verb == 'q':
		io.WriteString(f, strconv.Quote(preview))
	default:
		io.WriteString(f, preview)
	}
}
