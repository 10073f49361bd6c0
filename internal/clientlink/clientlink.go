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
	APIKey     func() string // the client's key in force (pk_live_ or sk_live_)
	SecretKey  func() string // the client's secret key in force, "" when none
	BaseURL    string        // validated API root
	HTTPClient *http.Client  // the caller's client or the pecta client's own
	Logger     *slog.Logger  // WithLogger's, or nil

	// Credentials is the *pecta.Credentials the client reads its keys from
	// on every request, never nil: pecta.WithCredentials's (an emitter that
	// shares it follows the client's rotations), or, for a client made with
	// fixed keys, credentials of its own that nothing updates. APIKey and
	// SecretKey read it. It is an any because pecta imports this package.
	Credentials any

	// IngestBatch posts body, an encoded {"events":[...]} document, to
	// POST /v1/ingest in exactly one attempt, whatever the client's retry
	// settings, and returns the answer's "accepted" count. sig, when not
	// "", is sent as X-Pecta-Signature (otherwise a client with a secret
	// key signs body). The Bearer key, and the secret key when it signs,
	// are read from Credentials once per call; a 401 is returned, never
	// retried: to tell a refusal under replaced keys, read the generation
	// (Credentials.Keys) before the call and compare after the answer.
	// release, when not nil, is called exactly once, when
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
