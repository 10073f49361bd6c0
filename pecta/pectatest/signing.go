package pectatest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/pecta-ai/pecta-go/pecta"
)

// verifySignature checks an X-Pecta-Signature header, "sha256=<64 hex>" (upper- or
// lower-case hex), against the HMAC-SHA256 of body under every live (not revoked) secret
// key of the organisation, and returns the id of the key it matches. Each comparison takes
// constant time, and every live secret is tried whatever the outcome, so the time taken
// depends on the number of live secret keys only. Errors: hmac_no_secret when the
// organisation has no live secret key, hmac_invalid when the header is malformed or matches
// none.
//
// A real rotation has two secrets live for a while, and batches signed under the old one
// still in flight or in a spool: accepting any live secret delivers them, and revoking the
// old secret ends that at once.
func (s *Server) verifySignature(header string, body []byte) (keyID string, _ *apiError) {
	ids, secrets := s.signingSecrets()
	if len(secrets) == 0 {
		return "", errorf(http.StatusUnauthorized, pecta.CodeHMACNoSecret,
			"X-Pecta-Signature sent but the organisation has no secret key on file")
	}
	invalid := errorf(http.StatusUnauthorized, pecta.CodeHMACInvalid,
		"X-Pecta-Signature does not match the request body")
	hexDigest, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok || len(hexDigest) != 2*sha256.Size {
		return "", invalid
	}
	got, err := hex.DecodeString(hexDigest)
	if err != nil {
		return "", invalid
	}
	for i, secret := range secrets {
		mac := hmac.New(sha256.New, []byte(secret.Reveal()))
		mac.Write(body)
		if hmac.Equal(mac.Sum(nil), got) && keyID == "" {
			keyID = ids[i]
		}
	}
	if keyID == "" {
		return "", invalid
	}
	return keyID, nil
}

// signingSecrets returns the ids and secrets of the live secret keys, oldest first.
func (s *Server) signingSecrets() (ids []string, secrets []pecta.APIKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys.order {
		if !k.signing.IsZero() {
			ids = append(ids, k.id)
			secrets = append(secrets, k.signing)
		}
	}
	return ids, secrets
}
