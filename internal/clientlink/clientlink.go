// The hooks pecta installs for telemetry.NewFromClient.

package clientlink

import (
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
}

var (
	// Inspect returns what an emitter needs from c, a *pecta.Client, and
	// false for nil or anything else.
	Inspect func(c any) (Client, bool)
	// DefaultHTTPClient returns a new HTTP client tuned as the pecta
	// client's default, with a transport of its own.
	DefaultHTTPClient func() *http.Client
)
