package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// The process's masking secret, drawn once from crypto/rand when the
// package is initialised and never changed: an immutable value, not a
// registry. Nothing outside this file reads it, and it never leaves the
// process.
var (
	sealBlock cipher.Block // AES-256 key: encrypts key texts
	sealMAC   []byte       // HMAC-SHA256 key: derives each text's IV
)

func init() {
	secret := make([]byte, 64)
	rand.Read(secret) // never fails: crypto/rand panics rather than return an error
	b, err := aes.NewCipher(secret[:32])
	if err != nil {
		panic("keys: " + err.Error()) // unreachable: a 32-byte key is valid
	}
	sealBlock, sealMAC = b, secret[32:]
}

// Seal masks s so that the result can sit in a printable value without
// showing s: the result is base64 text, deterministic within the process
// (equal texts give equal results, so == and reflect.DeepEqual work on
// values holding it) and meaningless outside it.
//
// It is deterministic authenticated encryption in the SIV style: the IV is
// HMAC-SHA256(s) under one half of the process secret, and s is encrypted
// with AES-256-CTR under the other half from that IV. Unlike a single XOR
// pad shared by every key, the masks of two keys reveal nothing about each
// other, and knowing one key in clear reveals nothing about the others.
// The empty string seals to "".
func Seal(s string) string {
	if s == "" {
		return ""
	}
	mac := hmac.New(sha256.New, sealMAC)
	mac.Write([]byte(s))
	out := make([]byte, aes.BlockSize+len(s))
	copy(out[:aes.BlockSize], mac.Sum(nil)) // the IV
	cipher.NewCTR(sealBlock, out[:aes.BlockSize]).XORKeyStream(out[aes.BlockSize:], []byte(s))
	return base64.RawURLEncoding.EncodeToString(out)
}

// Open returns the text Seal masked, or "" for "" and for anything Seal did
// not produce in this process.
func Open(sealed string) string {
	if sealed == "" {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) <= aes.BlockSize {
		return ""
	}
	iv, text := b[:aes.BlockSize], b[aes.BlockSize:]
	cipher.NewCTR(sealBlock, iv).XORKeyStream(text, text)
	mac := hmac.New(sha256.New, sealMAC)
	mac.Write(text)
	if !hmac.Equal(mac.Sum(nil)[:aes.BlockSize], iv) {
		return ""
	}
	return string(text)
}
