package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// DefaultMaxVerifyBody is the largest body VerifyMiddleware reads by
// default (5 MiB).
const DefaultMaxVerifyBody = 5 << 20

// VerifyOption configures VerifyMiddleware.
type VerifyOption func(*verifyConfig)

type verifyConfig struct {
	maxBody int64
}

// WithMaxBodyBytes sets the largest body VerifyMiddleware reads; a longer
// one is answered 413. Default DefaultMaxVerifyBody.
func WithMaxBodyBytes(n int64) VerifyOption {
	return func(c *verifyConfig) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// VerifyMiddleware returns a handler for receivers and proxies of signed
// ingest requests. It reads the body (bounded), checks its X-Pecta-Signature
// against secretKey with Verify, and either answers 401 with a Pecta-style
// JSON error (code "hmac_missing" or "hmac_invalid") or calls next with the
// body restored, so next reads exactly the bytes that were verified.
//
// Like Verify it checks integrity, not freshness: a replayed request passes.
// It panics if secretKey is empty, a programming error.
func VerifyMiddleware(secretKey string, next http.Handler, opts ...VerifyOption) http.Handler {
	if secretKey == "" {
		panic("telemetry: VerifyMiddleware: empty secret key")
	}
	cfg := verifyConfig{maxBody: DefaultMaxVerifyBody}
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
		if err := Verify(body, r.Header.Get(SignatureHeader), secretKey); err != nil {
			code := "hmac_invalid"
			if errors.Is(err, ErrSignatureMissing) {
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
