package pecta

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/pecta-ai/pecta-go/internal/keys"
)

// Credentials holds the keys of a client or an emitter and lets them change
// at run time, for key rotation without a restart:
//
//	creds, err := pecta.NewCredentials(pecta.NewAPIKey(os.Getenv("PECTA_API_KEY")), pecta.APIKey{})
//	c, err := pecta.NewClient("", pecta.WithCredentials(creds))
//	...
//	err = creds.Update(newKey, pecta.APIKey{}) // the next request goes out with newKey
//
// A client reads its keys from Credentials once per request attempt, never
// in advance, so every request after an Update carries the new keys. A
// request answered 401 under keys that an Update replaced while it was in
// flight is sent again, once, with the current keys (see Client).
//
// Credentials is safe for concurrent use. Reading is lock-free: the keys
// are an immutable value behind an atomic pointer, swapped whole by
// Update, so a reader never sees a new API key with an old secret key.
// Credentials holds APIKeys and prints like them: every printer shows the
// keys' previews and the generation, never a key. The zero Credentials
// holds no keys; use NewCredentials, or UpdateFromFiles for keys that a
// secret store mounts as files.
type Credentials struct {
	cur atomic.Pointer[keySet]
	mu  sync.Mutex // serialises Update
}

// keySet is one immutable generation of keys.
type keySet struct {
	apiKey, secretKey APIKey
	gen               uint64
}

// NewCredentials checks the keys locally and returns credentials holding
// them, at generation 1. apiKey, required, is a pk_live_ or sk_live_ key:
// the Bearer key of every request. secretKey is optional (the zero APIKey:
// none), an sk_live_ key used only to sign ingest bodies; it never travels.
// Errors are *KeyError values that never contain a key.
func NewCredentials(apiKey, secretKey APIKey) (*Credentials, error) {
	if err := checkKeys(apiKey, secretKey); err != nil {
		return nil, err
	}
	c := &Credentials{}
	c.cur.Store(&keySet{apiKey: apiKey, secretKey: secretKey, gen: 1})
	return c, nil
}

// Update replaces both keys at once, after checking them as NewCredentials
// does; on an error the keys in force stay.
//
// A rotation keeps the shape of the credentials: the new API key must be
// of the same kind as the old one (publishable stays publishable, secret
// stays secret), and a secret key must be given if and only if there was
// one. A change of kind would silently give a client admin rights, or take
// them away, and an emitter sends only publishable keys; a missing secret
// key is far more often an unset variable than a decision to stop signing.
// Such changes need new Credentials. Update with the keys already in force
// changes nothing, not even the generation.
func (c *Credentials) Update(apiKey, secretKey APIKey) error {
	if err := checkKeys(apiKey, secretKey); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.cur.Load()
	if old != nil {
		switch {
		case old.apiKey.IsSecret() != apiKey.IsSecret():
			return &KeyError{Field: "api key", Reason: "is a " + kindOf(apiKey) + " key, the credentials hold a " +
				kindOf(old.apiKey) + " one: a rotation keeps the kind (use new Credentials to change it)"}
		case old.secretKey.IsZero() && !secretKey.IsZero():
			return &KeyError{Field: "secret key", Reason: "given, but the credentials hold none: a rotation keeps the shape (use new Credentials to start signing)"}
		case !old.secretKey.IsZero() && secretKey.IsZero():
			return &KeyError{Field: "secret key", Reason: "is missing, but the credentials hold one: a rotation replaces it (use new Credentials to stop signing)"}
		case old.apiKey == apiKey && old.secretKey == secretKey:
			return nil
		}
	}
	var gen uint64 = 1
	if old != nil {
		gen = old.gen + 1
	}
	c.cur.Store(&keySet{apiKey: apiKey, secretKey: secretKey, gen: gen})
	return nil
}

// Keys returns the keys in force and their generation, a number that
// changes with every Update that changes a key. A request sent with keys
// of generation g and refused after Keys reports another generation was
// refused under replaced keys. The zero Credentials returns zero keys and
// generation 0.
func (c *Credentials) Keys() (apiKey, secretKey APIKey, generation uint64) {
	ks := c.load()
	return ks.apiKey, ks.secretKey, ks.gen
}

var noKeys = &keySet{}

func (c *Credentials) load() *keySet {
	if c == nil {
		return noKeys
	}
	if ks := c.cur.Load(); ks != nil {
		return ks
	}
	return noKeys
}

// checkKeys checks an API key and an optional signing secret.
func checkKeys(apiKey, secretKey APIKey) error {
	if _, err := keys.Parse(apiKey.Reveal()); err != nil {
		return &KeyError{Field: "api key", Reason: err.(*keys.Error).Reason}
	}
	if secretKey.IsZero() {
		return nil
	}
	kind, err := keys.Parse(secretKey.Reveal())
	if err != nil {
		return &KeyError{Field: "secret key", Reason: err.(*keys.Error).Reason}
	}
	if kind != keys.Secret {
		return &KeyError{Field: "secret key", Reason: "want an sk_live_ key"}
	}
	return nil
}

func kindOf(k APIKey) string {
	if k.IsSecret() {
		return keys.Secret.String()
	}
	return keys.Publishable.String()
}

// String shows the previews of the keys and the generation:
// "pecta.Credentials{key: pk_live_...x7f9, signing: sk_live_...Qq0P, generation: 2}".
func (c *Credentials) String() string {
	ks := c.load()
	s := "pecta.Credentials{key: " + ks.apiKey.Preview()
	if !ks.secretKey.IsZero() {
		s += ", signing: " + ks.secretKey.Preview()
	}
	return s + ", generation: " + strconv.FormatUint(ks.gen, 10) + "}"
}

// GoString is String: Credentials has no Go literal.
func (c *Credentials) GoString() string { return c.String() }

// Format prints String for every verb (%q: quoted).
func (c *Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, strconv.Quote(c.String()))
		return
	}
	io.WriteString(f, c.String())
}

// LogValue logs the previews and the generation.
func (c *Credentials) LogValue() slog.Value {
	ks := c.load()
	return slog.GroupValue(
		slog.String("key", ks.apiKey.Preview()),
		slog.String("signing", ks.secretKey.Preview()),
		slog.Uint64("generation", ks.gen),
	)
}

// MarshalJSON encodes the previews and the generation, never a key:
// {"api_key":"pk_live_...x7f9","secret_key":"","generation":1}.
func (c *Credentials) MarshalJSON() ([]byte, error) {
	ks := c.load()
	return json.Marshal(struct {
		APIKey     APIKey `json:"api_key"`
		SecretKey  APIKey `json:"secret_key"`
		Generation uint64 `json:"generation"`
	}{ks.apiKey, ks.secretKey, ks.gen})
}
