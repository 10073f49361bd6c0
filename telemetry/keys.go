package telemetry

import (
	"github.com/pecta-ai/pecta-go/internal/hmacsig"
	"github.com/pecta-ai/pecta-go/pecta"
)

// keySource is where the emitter reads its keys: once per batch, never in
// Track. Static keys (Config.PublishableKey and SecretKey) never change;
// rotating ones (pecta.Credentials) do, and their generation says when.
type keySource interface {
	Keys() (apiKey, secretKey pecta.APIKey, generation uint64)
}

// staticKeys are Config's keys.
type staticKeys struct{ pk, sk pecta.APIKey }

func (k staticKeys) Keys() (pecta.APIKey, pecta.APIKey, uint64) { return k.pk, k.sk, 0 }

// batchKeys are the keys one sender signs with, refreshed from the source
// before each batch: a new HMAC state only when the keys changed.
type batchKeys struct {
	gen    uint64
	known  bool
	fp     [16]byte        // fingerprint of the keys (spool records)
	signer *hmacsig.Signer // nil when batches are unsigned
}

// refresh reads the current keys and reports whether they changed since
// the last call.
func (k *batchKeys) refresh(src keySource) (changed bool) {
	pk, sk, gen := src.Keys()
	if k.known && gen == k.gen {
		return false
	}
	k.gen, k.known = gen, true
	k.fp = keyFingerprint(pk.Reveal(), sk.Reveal())
	k.signer = nil
	if !sk.IsZero() {
		k.signer = hmacsig.NewSigner(sk.Reveal())
	}
	return true
}
