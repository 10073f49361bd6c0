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
// at run time (key rotation without a restart): a client built with
// WithCredentials, and an emitter with telemetry.Config.Credentials, read
// them once per request or batch. Reading is lock-free and sees both keys
// of one Update together. Credentials prints like its APIKeys: previews and
// the generation, never a key. The zero Credentials holds no keys (fill it
// with UpdateFromFiles, or use NewCredentials).
type Credentials struct {
	cur atomic.Pointer[keySet]
	mu  sync.Mutex // serialises Update
}

// keySet is one immutable generation of keys.
type keySet struct {
	apiKey, secretKey APIKey
	gen               uint64
}

// NewCredentials checks the keys locally (a *KeyError never contains a key)
// and holds them, at generation 1: apiKey (pk_live_ or sk_live_) is the
// Bearer key of every request; secretKey, optional, only signs ingest
// bodies and never travels.
func NewCredentials(apiKey, secretKey APIKey) (*Credentials, error) {
	if err := checkKeys(apiKey, secretKey); err != nil {
		return nil, err
	}
	c := &Credentials{}
	c.cur.Store(&keySet{apiKey: apiKey, secretKey: secretKey, gen: 1})
	return c, nil
}

// Update replaces both keys at once after checking them; on an error the
// keys in force stay. A rotation keeps the shape: the API key keeps its
// kind (publishable or secret) and a secret key is given if and only if
// there was one (anything else needs new Credentials). Keys already in
// force change nothing, not even the generation.
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

// Keys returns the keys in force and their generation, which changes with
// every Update that changes a key: a request sent under generation g and
// refused after Keys reports another was refused under replaced keys.
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

// String shows the keys' previews and the generation.
func (c *Credentials) String() string {
	ks := c.load()
	s := "pecta.Credentials{key: " + ks.apiKey.Preview()
	if !ks.secretKey.IsZero() {
		s += ", signing: " + ks.secretKey.Preview()
	}
	return s + ", generation: " + strconv.FormatUint(ks.gen, 10) + "}"
}

// GoString is String.
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

// MarshalJSON encodes the previews and the generation.
func (c *Credentials) MarshalJSON() ([]byte, error) {
	ks := c.load()
	return json.Marshal(struct {
		APIKey     APIKey `json:"api_key"`
		SecretKey  APIKey `json:"secret_key"`
		Generation uint64 `json:"generation"`
	}{ks.apiKey, ks.secretKey, ks.gen})
}
