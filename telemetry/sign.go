package telemetry

import "github.com/pecta-ai/pecta-go/internal/hmacsig"

// SignatureHeader is the HTTP header that carries a batch's signature.
const SignatureHeader = hmacsig.Header

// Errors returned by Verify, for errors.Is. None of them contains the body,
// the signature or the key.
var (
	ErrSignatureMissing   = hmacsig.ErrMissing   // no signature header
	ErrSignatureMalformed = hmacsig.ErrMalformed // not "sha256=<64 hex digits>"
	ErrSignatureMismatch  = hmacsig.ErrMismatch  // well formed, wrong digest
	ErrNoSecretKey        = hmacsig.ErrNoSecret  // Verify called with an empty key
)

// Sign returns the X-Pecta-Signature value of body: "sha256=" followed by
// the lowercase hex HMAC-SHA256 of the exact bytes, keyed with secretKey.
// The emitter signs each batch this way when Config.SecretKey is set.
//
// The signature protects integrity only: it binds no timestamp or nonce, so
// a captured request can be replayed.
func Sign(body []byte, secretKey string) string { return hmacsig.Sign(body, secretKey) }

// Verify checks a signature header against body, comparing in constant
// time; hex digits may be upper or lower case. It returns nil on a match,
// ErrSignatureMissing, ErrSignatureMalformed or ErrSignatureMismatch
// otherwise (ErrNoSecretKey when secretKey is empty).
//
// Verify proves the body was signed with secretKey and not altered; it does
// not protect against replay.
func Verify(body []byte, header, secretKey string) error {
	return hmacsig.Verify(body, header, secretKey)
}
