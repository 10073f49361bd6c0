package pectatest

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/pecta-ai/pecta-go/pecta"
)

type keyJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	KeyPreview string   `json:"key_preview"`
	Scopes     []string `json:"scopes"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt *string  `json:"last_used_at"`
	RevokedAt  *string  `json:"revoked_at"`
}

func (k *keyRecord) toJSON() keyJSON {
	return keyJSON{
		ID: k.id, Name: k.name, Type: k.typ, KeyPreview: k.preview, Scopes: slices.Clone(k.scopes),
		CreatedAt: fmtTime(k.createdAt), LastUsedAt: fmtTimePtr(k.lastUsedAt), RevokedAt: fmtTimePtr(k.revokedAt),
	}
}

// CreateKey provisions another key directly, without a request, as POST /v1/keys does, and
// returns its id and the key (the only time it is available). typ is "publishable" or
// "secret"; scopes are "read" and/or "write", both when none are given. CreateKey panics on
// another type or scope. A secret key created this way is, until revoked, one of the
// secrets signed ingest bodies are verified against, as one created by POST /v1/keys is.
func (s *Server) CreateKey(name, typ string, scopes ...string) (id string, key pecta.APIKey) {
	if typ != keyTypePublishable && typ != keyTypeSecret {
		panic("pectatest: CreateKey: type must be publishable or secret")
	}
	if len(scopes) == 0 {
		scopes = allScopes()
	}
	for _, sc := range scopes {
		if sc != scopeRead && sc != scopeWrite {
			panic("pectatest: CreateKey: scopes must be read or write")
		}
	}
	text := newKey(typ)
	return s.addKey(name, typ, normalizeScopes(scopes), text).id, pecta.NewAPIKey(text)
}

// addKey stores the hash of key, a well-formed key of type typ, and returns its record,
// whose fields other than lastUsedAt and revokedAt never change.
func (s *Server) addKey(name, typ string, scopes []string, key string) *keyRecord {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys.add(name, typ, scopes, key, now)
}

// normalizeScopes dedupes and orders scopes (read before write).
func normalizeScopes(scopes []string) []string {
	var out []string
	for _, sc := range allScopes() {
		if slices.Contains(scopes, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// handleKeys serves GET and POST /v1/keys.
func (s *Server) handleKeys(w http.ResponseWriter, c *call) {
	if c.r.Method == http.MethodPost {
		s.createKey(w, c)
		return
	}
	s.mu.Lock()
	out := make([]keyJSON, len(s.keys.order))
	for i, k := range s.keys.order {
		out[i] = k.toJSON()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

// createKey serves POST /v1/keys: 201 with the full key, shown once.
func (s *Server) createKey(w http.ResponseWriter, c *call) {
	o, e := parseBody(c.body)
	if e != nil {
		writeError(w, e)
		return
	}
	name, e := o.str("", "name", 1, 200)
	if e != nil {
		writeError(w, e)
		return
	}
	typ, e := o.str("", "type", 0, 20)
	if e != nil || (typ != "" && typ != keyTypePublishable && typ != keyTypeSecret) {
		writeError(w, validation(`type: must be "publishable" or "secret"`))
		return
	}
	if typ == "" {
		typ = keyTypePublishable
	}
	scopes := allScopes()
	if o.has("scopes") {
		var req []string
		if err := json.Unmarshal(o["scopes"], &req); err != nil || len(req) == 0 {
			writeError(w, validation(`scopes: must be a non-empty array of "read" and "write"`))
			return
		}
		for i, sc := range req {
			if sc != scopeRead && sc != scopeWrite {
				writeError(w, validation(`scopes[`+itoa(i)+`]: must be "read" or "write"`))
				return
			}
		}
		scopes = normalizeScopes(req)
	}

	key := newKey(typ)
	rec := s.addKey(name, typ, scopes, key)
	body := struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		Type       string   `json:"type"`
		Key        string   `json:"key"`
		KeyPreview string   `json:"key_preview"`
		Scopes     []string `json:"scopes"`
		CreatedAt  string   `json:"created_at"`
	}{rec.id, rec.name, rec.typ, key, rec.preview, slices.Clone(rec.scopes), fmtTime(rec.createdAt)}
	writeJSON(w, http.StatusCreated, body)
}

// handleRevokeKey serves DELETE /v1/keys/{id}: 204, idempotent; unknown id 404.
func (s *Server) handleRevokeKey(w http.ResponseWriter, c *call) {
	now := s.now()
	s.mu.Lock()
	rec := s.keys.byID[c.param]
	if rec != nil && rec.revokedAt == nil {
		rec.revokedAt = &now
		rec.signing = pecta.APIKey{} // a revoked secret verifies nothing
	}
	s.mu.Unlock()
	if rec == nil {
		writeError(w, errorf(http.StatusNotFound, pecta.CodeNotFound, "api key not found"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
