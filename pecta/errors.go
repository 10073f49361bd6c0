package pecta

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pecta-ai/pecta-go/internal/keys"
	"github.com/pecta-ai/pecta-go/internal/retry"
)

// Error codes of the API, the "code" of its error bodies (APIError.Code),
// each matched by the sentinel of the same name (ErrValidation ...).
const (
	CodeValidation   = "validation_error" // 400: the body failed validation
	CodeBadJSON      = "bad_json"         // 400: the body is not JSON
	CodeAuthMissing  = "auth_missing"     // 401: no or malformed Authorization header
	CodeAuthFormat   = "auth_format"      // 401: not a pk_live_/sk_live_ key
	CodeAuthInvalid  = "auth_invalid"     // 401: unknown key
	CodeAuthRevoked  = "auth_revoked"     // 401: the key was revoked
	CodeHMACNoSecret = "hmac_no_secret"   // 401: a signature was sent, but no secret key is on file
	CodeHMACInvalid  = "hmac_invalid"     // 401: the signature does not match the body
	CodeForbidden    = "forbidden"        // 403: the key may not make this call
	CodeNotFound     = "not_found"        // 404: unknown resource
	CodeRateLimited  = "rate_limited"     // 429: with Retry-After

	// Pecta documents no 403 code: these two are pectatest's [ours].
	CodeInsufficientScope = "insufficient_scope"  // 403: the key lacks the call's read or write scope
	CodeSecretKeyRequired = "secret_key_required" // 403: the call needs a secret (sk_live_) key
)

// Sentinels for errors.Is. An *APIError matches the sentinel of its Code;
// ErrForbidden, ErrRateLimited and ErrServer also match any 403, 429 and
// 5xx. ErrInsufficientScope and ErrSecretKeyRequired match ErrForbidden.
var (
	ErrValidation        = &sentinel{code: CodeValidation} // also every local *ValidationError
	ErrBadJSON           = &sentinel{code: CodeBadJSON}
	ErrAuthMissing       = &sentinel{code: CodeAuthMissing}
	ErrAuthFormat        = &sentinel{code: CodeAuthFormat}
	ErrAuthInvalid       = &sentinel{code: CodeAuthInvalid}
	ErrAuthRevoked       = &sentinel{code: CodeAuthRevoked}
	ErrHMACNoSecret      = &sentinel{code: CodeHMACNoSecret}
	ErrHMACInvalid       = &sentinel{code: CodeHMACInvalid}
	ErrForbidden         = &sentinel{code: CodeForbidden}
	ErrInsufficientScope = &sentinel{code: CodeInsufficientScope, parent: ErrForbidden}
	ErrSecretKeyRequired = &sentinel{code: CodeSecretKeyRequired, parent: ErrForbidden, text: "this call needs a secret (sk_live_) key"}
	ErrNotFound          = &sentinel{code: CodeNotFound}
	ErrRateLimited       = &sentinel{code: CodeRateLimited} // APIError.RetryAfter says when to try again
	ErrServer            = &sentinel{code: "server_error"}  // any 5xx
)

// sentinel is an API error code. A sentinel with a parent matches it too.
type sentinel struct {
	code   string
	parent *sentinel
	text   string // the message, when not the code itself
}

func (s *sentinel) Error() string { return "pecta: " + cmp.Or(s.text, s.code) }

// Is reports whether target is s's parent.
func (s *sentinel) Is(target error) bool { return s.parent != nil && target == s.parent }

// APIError is any non-2xx answer, even with an empty, HTML or truncated
// body (Code is then "" and Message a bounded excerpt of it).
type APIError struct {
	StatusCode int           // HTTP status
	Code       string        // machine code from the body ("rate_limited"), "" if none
	Message    string        // human text from the body
	RetryAfter time.Duration // parsed Retry-After header, 0 if absent
	RequestID  string        // X-Request-Id header, if the server sent one
	Attempts   int           // requests made, retries included
	Op         string        // SDK call ("evaluate", "keys.create")
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("pecta: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(strings.ToLower(t))
	}
	if e.Code != "" {
		b.WriteString(" (")
		b.WriteString(e.Code)
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		b.WriteString("; retry after ")
		b.WriteString(e.RetryAfter.String())
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.RequestID != "" {
		b.WriteString(" [request ")
		b.WriteString(e.RequestID)
		b.WriteByte(']')
	}
	return b.String()
}

// Is matches the sentinel of e's code and, by status, ErrServer,
// ErrRateLimited and ErrForbidden.
func (e *APIError) Is(target error) bool {
	s, ok := target.(*sentinel)
	if !ok {
		return false
	}
	switch s {
	case ErrServer:
		return e.StatusCode >= 500
	case ErrRateLimited:
		if e.StatusCode == http.StatusTooManyRequests {
			return true
		}
	case ErrForbidden:
		if e.StatusCode == http.StatusForbidden {
			return true
		}
	}
	return e.Code != "" && e.Code == s.code
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// maxMessage bounds the message kept from an error body.
const maxMessage = 512

// newAPIError builds an *APIError from a status, headers and a bounded body.
func newAPIError(status int, h http.Header, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	if h != nil {
		if d, ok := retry.ParseRetryAfter(h.Get("Retry-After"), time.Now()); ok {
			e.RetryAfter = d
		}
		e.RequestID = clip(h.Get("X-Request-Id"), 128)
	}
	var env struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Code    string          `json:"code"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &env) == nil {
		e.Code = clip(env.Code, 64)
		var msg string
		if json.Unmarshal(env.Error, &msg) != nil {
			// some proxies send {"error": {"message": ...}}
			var nested struct {
				Message string `json:"message"`
				Code    string `json:"code"`
			}
			if json.Unmarshal(env.Error, &nested) == nil {
				msg = nested.Message
				if e.Code == "" {
					e.Code = clip(nested.Code, 64)
				}
			}
		}
		if msg == "" {
			msg = env.Message
		}
		e.Message = clip(msg, maxMessage)
		return e
	}
	// not the documented envelope: keep a printable excerpt
	e.Message = excerpt(trimmed)
	return e
}

// excerpt returns a short, single-line, printable prefix of b.
func excerpt(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > 200 {
		b = b[:200]
	}
	s := sanitize(strings.ToValidUTF8(string(b), ""))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 0 {
		s = "unexpected body: " + s
	}
	return s
}

// clip truncates s to at most n bytes on a rune boundary and strips control
// characters.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return sanitize(s)
}

// keyPattern matches a well-formed key anywhere in a text.
var keyPattern = regexp.MustCompile(`[ps]k_live_[A-Za-z0-9]{32}`)

// sanitize makes server-supplied text safe to print: a key the server (or a
// proxy page dumping request headers) echoes becomes its preview, and
// control and bidirectional-override characters, which could forge log
// lines, become spaces.
func sanitize(s string) string {
	s = keyPattern.ReplaceAllStringFunc(s, keys.Preview)
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, r >= 0x7f && r < 0xa0,
			r >= 0x200e && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return ' '
		}
		return r
	}, s)
}

// KeyError reports a key that is not well formed. It never contains the key.
type KeyError struct {
	Field  string // which key ("api key", "secret key")
	Reason string
}

func (e *KeyError) Error() string {
	f := e.Field
	if f == "" {
		f = "key"
	}
	return "pecta: malformed " + f + ": " + e.Reason
}

// ValidationError reports a request the SDK refused locally, before any
// network I/O, naming the offending field.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return "pecta: invalid " + e.Field + ": " + e.Reason
}

// Is matches ErrValidation, like the server's validation_error.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// ResponseError is a 2xx answer whose body could not be read or decoded
// (truncated, not JSON, too large). Match it with errors.As.
type ResponseError struct {
	Op         string
	StatusCode int
	Err        error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("pecta: %s: invalid %d response: %v", e.Op, e.StatusCode, e.Err)
}

// Unwrap returns the decoding error.
func (e *ResponseError) Unwrap() error { return e.Err }
