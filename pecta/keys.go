package pecta

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Key types and scopes.
const (
	KeyTypePublishable = "publishable"
	KeyTypeSecret      = "secret"
	ScopeRead          = "read"
	ScopeWrite         = "write"
)

// KeysService manages API keys and reads usage logs. Every call needs a
// client created with a secret key (ErrSecretKeyRequired otherwise).
type KeysService struct{ c *Client }

// KeyCreateParams describes a new key.
type KeyCreateParams struct {
	Name   string   // required
	Type   string   // KeyTypePublishable (default) or KeyTypeSecret
	Scopes []string // ScopeRead, ScopeWrite; nil: the server default
}

// Key is a key as listed: only its preview, never the key itself.
type Key struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Preview    string     `json:"key_preview"` // "pk_live_...x7f9"
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreatedKey is a newly created key. Secret holds the full key, shown this
// once: store it now (k.Secret.Reveal()). It prints redacted.
type CreatedKey struct {
	Key
	Secret APIKey `json:"key"`
}

func (s *KeysService) needSecret(op string) error {
	if apiKey, _, _ := s.c.creds.Keys(); !apiKey.IsSecret() {
		return &opError{op: op, err: ErrSecretKeyRequired}
	}
	return nil
}

// Create mints a key. It is never retried once the request may have
// reached the server: a retry could mint two keys.
func (s *KeysService) Create(ctx context.Context, p KeyCreateParams) (*CreatedKey, error) {
	const op = "keys.create"
	if err := s.needSecret(op); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, &ValidationError{Field: "name", Reason: "is required"}
	}
	if p.Type == "" {
		p.Type = KeyTypePublishable
	}
	if p.Type != KeyTypePublishable && p.Type != KeyTypeSecret {
		return nil, &ValidationError{Field: "type", Reason: `must be "publishable" or "secret"`}
	}
	for _, sc := range p.Scopes {
		if sc != ScopeRead && sc != ScopeWrite {
			return nil, &ValidationError{Field: "scopes", Reason: `each scope must be "read" or "write"`}
		}
	}
	body, _ := json.Marshal(struct {
		Name   string   `json:"name"`
		Type   string   `json:"type"`
		Scopes []string `json:"scopes,omitempty"`
	}{p.Name, p.Type, p.Scopes})
	var out CreatedKey
	if err := s.c.do(ctx, &call{op: op, method: http.MethodPost, path: "/v1/keys", body: body, class: retryUnsent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns every key of the organisation, previews only.
func (s *KeysService) List(ctx context.Context) ([]Key, error) {
	const op = "keys.list"
	if err := s.needSecret(op); err != nil {
		return nil, err
	}
	var out struct {
		Keys []Key `json:"keys"`
	}
	if err := s.c.do(ctx, &call{op: op, method: http.MethodGet, path: "/v1/keys"}, &out); err != nil {
		return nil, err
	}
	return out.Keys, nil
}

// Revoke revokes a key at once and for good. It is idempotent and retried
// like a GET.
func (s *KeysService) Revoke(ctx context.Context, id string) error {
	const op = "keys.revoke"
	if err := s.needSecret(op); err != nil {
		return err
	}
	if id == "" {
		return &ValidationError{Field: "id", Reason: "is required"}
	}
	return s.c.do(ctx, &call{op: op, method: http.MethodDelete, path: "/v1/keys/" + pathSegment(id)}, nil)
}

// opError prefixes a sentinel with the call that failed.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return "pecta: " + e.op + ": " + trimPrefix(e.err.Error()) }
func (e *opError) Unwrap() error { return e.err }

func trimPrefix(s string) string {
	if len(s) > 7 && s[:7] == "pecta: " {
		return s[7:]
	}
	return s
}
