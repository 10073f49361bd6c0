package pectatest

import (
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

const (
	keyTypePublishable = "publishable"
	keyTypeSecret      = "secret"
	scopeRead          = "read"
	scopeWrite         = "write"
)

var keyPattern = regexp.MustCompile(`^(pk|sk)_live_[A-Za-z0-9]{32}$`)

func allScopes() []string { return []string{scopeRead, scopeWrite} }

// keyTypeOf returns the type of a well-formed key, or "" for a malformed one.
func keyTypeOf(key string) string {
	if !keyPattern.MatchString(key) {
		return ""
	}
	if strings.HasPrefix(key, "pk_") {
		return keyTypePublishable
	}
	return keyTypeSecret
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlnum returns n random letters and digits.
func randomAlnum(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// keyPrefix is the prefix of keys of type typ.
func keyPrefix(typ string) string {
	if typ == keyTypeSecret {
		return "sk_live_"
	}
	return "pk_live_"
}

// newKey mints a key of type typ.
func newKey(typ string) string { return keyPrefix(typ) + randomAlnum(32) }

// keyRecord is what the server keeps about a key: its SHA-256 hash and a preview (prefix +
// "..." + last 4 characters), and for a live secret key the key itself, which signed
// ingest bodies are verified against (see signing.go).
type keyRecord struct {
	hash       [sha256.Size]byte
	signing    pecta.APIKey // secret keys until revoked: the HMAC secret; zero otherwise
	id         string
	name       string
	typ        string
	scopes     []string
	preview    string
	createdAt  time.Time
	lastUsedAt *time.Time
	revokedAt  *time.Time
}

// keyStore holds keys by hash, by id, and in creation order.
type keyStore struct {
	byHash map[[sha256.Size]byte]*keyRecord
	byID   map[string]*keyRecord
	order  []*keyRecord
}

func newKeyStore() keyStore {
	return keyStore{
		byHash: make(map[[sha256.Size]byte]*keyRecord),
		byID:   make(map[string]*keyRecord),
	}
}

func keyPreview(key string) string {
	return key[:len("pk_live_")] + "..." + key[len(key)-4:]
}

// add stores the hash of key and returns the record. The caller holds s.mu (or owns the
// store exclusively).
func (ks *keyStore) add(name, typ string, scopes []string, key string, now time.Time) *keyRecord {
	rec := &keyRecord{
		hash:      sha256.Sum256([]byte(key)),
		id:        "key_" + randomAlnum(24),
		name:      name,
		typ:       typ,
		scopes:    slices.Clone(scopes),
		preview:   keyPreview(key),
		createdAt: now,
	}
	if typ == keyTypeSecret {
		rec.signing = pecta.NewAPIKey(key)
	}
	ks.byHash[rec.hash] = rec
	ks.byID[rec.id] = rec
	ks.order = append(ks.order, rec)
	return rec
}

// principal is the authenticated caller of a request.
type principal struct {
	keyID  string
	typ    string
	scopes []string
}

func (p principal) hasScope(scope string) bool { return slices.Contains(p.scopes, scope) }

// requestKey extracts the key from "Authorization: Bearer <key>" or, when xAPIKey is set
// (WithXAPIKeyHeader), from "X-API-Key: <key>"; Bearer wins when both are present.
func requestKey(r *http.Request, xAPIKey bool) (string, bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, key, ok := strings.Cut(strings.TrimSpace(auth), " ")
		key = strings.TrimSpace(key)
		if ok && strings.EqualFold(scheme, "Bearer") && key != "" && !strings.ContainsAny(key, " \t") {
			return key, true
		}
	}
	if key := strings.TrimSpace(r.Header.Get("X-API-Key")); key != "" && xAPIKey {
		return key, true
	}
	return "", false
}

// authenticate checks the key of r and marks it used.
func (s *Server) authenticate(r *http.Request) (principal, *apiError) {
	key, ok := requestKey(r, s.cfg.xAPIKey)
	if !ok {
		msg := "missing or malformed Authorization header (want: Bearer <key>)"
		if r.Header.Get("X-API-Key") != "" {
			msg += "; X-API-Key is not accepted: Pecta documents only Authorization: Bearer" +
				" (pectatest.WithXAPIKeyHeader accepts it)"
		}
		return principal{}, errorf(http.StatusUnauthorized, pecta.CodeAuthMissing, msg)
	}
	if keyTypeOf(key) == "" {
		return principal{}, errorf(http.StatusUnauthorized, pecta.CodeAuthFormat,
			"api key must match pk_live_ or sk_live_ followed by 32 letters or digits")
	}
	hash := sha256.Sum256([]byte(key))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, found := s.keys.byHash[hash]
	if !found {
		return principal{}, errorf(http.StatusUnauthorized, pecta.CodeAuthInvalid, "api key not found")
	}
	if rec.revokedAt != nil {
		return principal{}, errorf(http.StatusUnauthorized, pecta.CodeAuthRevoked, "api key has been revoked")
	}
	rec.lastUsedAt = &now
	return principal{keyID: rec.id, typ: rec.typ, scopes: slices.Clone(rec.scopes)}, nil
}
