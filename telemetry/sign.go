package telemetry

import "github.com/pecta-ai/pecta-go/internal/hmacsig"

// SignatureHeader is the HTTP header that carries a batch's signature.
const SignatureHeader = hmacsig.Header

// Errors of Verify. None contains the body, the signature or the key.
var (
	ErrSignatureMissing   = hmacsig.ErrMissing   // no signature header
	ErrSignatureMalformed = hmacsig.ErrMalformed // not "sha256=<64 hex digits>"
	ErrSignatureMismatch  = hmacsig.ErrMismatch  // well formed, wrong digest
	ErrNoSecretKey        = hmacsig.ErrNoSecret  // Verify called with an empty key
)

// Sign returns the X-Pecta-Signature value of body, as the emitter sends
// it: "sha256=" and the lowercase hex HMAC-SHA256 of the exact bytes,
// keyed with the secret key. It protects integrity, not freshness: it
// binds no timestamp or nonce, so a captured request can be replayed.
func Sign(body []byte, secretKey string) string { return hmacsig.Sign(body, secretKey) }

// Verify checks a signature header against body in constant time (hex in
// either case): nil on a match, else ErrSignatureMissing,
// ErrSignatureMalformed, ErrSignatureMismatch or ErrNoSecretKey.
func Verify(body []byte, header, secretKey string) error {
	return hmacsig.Verify(body, header, secretKey)
}
