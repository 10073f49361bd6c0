// The hooks pecta installs for the telemetry package.

package clientlink

import (
	"context"
	"log/slog"
	"net/http"
)

// Client is what an emitter needs from a *pecta.Client. The keys are
// functions so that a print of a Client value shows no key.
type Client struct {
	APIKey     func() string // the client's key (pk_live_ or sk_live_)
	SecretKey  func() string // the WithSecretKey key, "" when none
	BaseURL    string        // validated API root
	HTTPClient *http.Client  // the caller's client or the pecta client's own
	Logger     *slog.Logger  // WithLogger's, or nil

	// IngestBatch posts body, an encoded {"events":[...]} document, to
	// POST /v1/ingest in exactly one attempt, whatever the client's retry
	// settings, and returns the answer's "accepted" count. sig, when not
	// "", is sent as X-Pecta-Signature (otherwise a client with a secret
	// key signs body). release, when not nil, is called exactly once, when
	// net/http no longer reads body, possibly after IngestBatch returned:
	// only then may the caller reuse body's memory. A non-2xx answer is a
	// *pecta.APIError, a 2xx without a usable "accepted" a
	// *pecta.ResponseError.
	IngestBatch func(ctx context.Context, body []byte, sig string, release func()) (accepted int, err error)
}

var (
	// Inspect returns what an emitter needs from c, a *pecta.Client, and
	// false for nil or anything else.
	Inspect func(c any) (Client, bool)
	// DefaultHTTPClient returns a new HTTP client tuned as the pecta
	// client's default, with a transport of its own.
	DefaultHTTPClient func() *http.Client
)
