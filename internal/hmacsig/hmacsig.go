// Package hmacsig computes and checks the X-Pecta-Signature header:
// "sha256=" followed by the lowercase hex HMAC-SHA256 of the raw body, keyed
// with the secret key. The scheme binds no timestamp or nonce: it protects
// integrity, not against replay.
package hmacsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
)

// Header is the HTTP header that carries the signature.
const Header = "X-Pecta-Signature"

// Prefix starts every signature value.
const Prefix = "sha256="

// Errors returned by Verify. None of them contains the body, the signature or
// the key.
var (
	ErrMissing   = errors.New("signature missing")
	ErrMalformed = errors.New("signature malformed: want sha256=<64 hex digits>")
	ErrMismatch  = errors.New("signature does not match the body")
	ErrNoSecret  = errors.New("no secret key to verify with")
)

// Sign returns "sha256=<lowercase hex HMAC-SHA256(body, secret)>".
func Sign(body []byte, secret string) string {
	var out [len(Prefix) + 2*sha256.Size]byte
	return string(AppendSign(out[:0], body, secret))
}

// AppendSign appends the signature of body to dst.
func AppendSign(dst, body []byte, secret string) []byte {
	return NewSigner(secret).AppendSign(dst, body)
}

// Signer signs many bodies with one key, reusing its HMAC state: after the
// first call it allocates nothing. It is not safe for concurrent use.
type Signer struct {
	mac hash.Hash
}

// NewSigner returns a Signer for secret.
func NewSigner(secret string) *Signer {
	return &Signer{mac: hmac.New(sha256.New, []byte(secret))}
}

// AppendSign appends "sha256=<lowercase hex>" for body to dst.
func (s *Signer) AppendSign(dst, body []byte) []byte {
	s.mac.Reset()
	s.mac.Write(body)
	var sum [sha256.Size]byte
	dst = append(dst, Prefix...)
	return hex.AppendEncode(dst, s.mac.Sum(sum[:0]))
}

// Verify checks header against body in constant time. Upper- or lowercase
// hex is accepted.
func Verify(body []byte, header, secret string) error {
	if secret == "" {
		return ErrNoSecret
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrMissing
	}
	if len(header) != len(Prefix)+2*sha256.Size || !strings.EqualFold(header[:len(Prefix)], Prefix) {
		return ErrMalformed
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], []byte(header[len(Prefix):])); err != nil {
		return ErrMalformed
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	var want [sha256.Size]byte
	if !hmac.Equal(got[:], m.Sum(want[:0])) {
		return ErrMismatch
	}
	return nil
}
