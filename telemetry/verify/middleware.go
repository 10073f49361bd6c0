// Package verify checks the X-Pecta-Signature of ingest requests, for
// receivers and proxies of signed telemetry: Middleware wraps an
// http.Handler and lets through only requests whose body was signed with
// the secret key (telemetry.Verify does the check).
//
// The signature protects integrity, not freshness: it binds no timestamp
// or nonce, so a replayed request passes. Deduplicate or bound freshness
// yourself if replays matter.
package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// DefaultMaxBody is the largest body Middleware reads by default (5 MiB).
const DefaultMaxBody = 5 << 20

// Option configures Middleware.
type Option func(*config)

type config struct {
	maxBody int64
}

// WithMaxBodyBytes sets the largest body Middleware reads; a longer one is
// answered 413. Default DefaultMaxBody.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// Middleware returns a handler for receivers and proxies of signed
// ingest requests. It reads the body (bounded), checks its X-Pecta-Signature
// against secretKey with telemetry.Verify, and either answers 401 with a Pecta-style
// JSON error (code "hmac_missing" or "hmac_invalid") or calls next with the
// body restored, so next reads exactly the bytes that were verified.
//
// Like telemetry.Verify it checks integrity, not freshness: a replayed
// request passes.
// It panics if secretKey is empty, a programming error.
func Middleware(secretKey string, next http.Handler, opts ...Option) http.Handler {
	if secretKey == "" {
		panic("verify: Middleware: empty secret key")
	}
	cfg := config{maxBody: DefaultMaxBody}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(io.LimitReader(r.Body, cfg.maxBody+1))
			_ = r.Body.Close()
			if err != nil {
				writeVerifyError(w, http.StatusBadRequest, "bad_body", "could not read the request body")
				return
			}
			if int64(len(b)) > cfg.maxBody {
				writeVerifyError(w, http.StatusRequestEntityTooLarge, "validation_error", "request body too large")
				return
			}
			body = b
		}
		if err := telemetry.Verify(body, r.Header.Get(telemetry.SignatureHeader), secretKey); err != nil {
			code := "hmac_invalid"
			if errors.Is(err, telemetry.ErrSignatureMissing) {
				code = "hmac_missing"
			}
			writeVerifyError(w, http.StatusUnauthorized, code, err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

func writeVerifyError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(struct {
		Error  string `json:"error"`
		Code   string `json:"code"`
		Status int    `json:"status"`
	}{msg, code, status})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
