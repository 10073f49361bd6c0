// Package demo sets up the example programs: with PECTA_API_KEY set they
// talk to that server (PECTA_SECRET_KEY and PECTA_BASE_URL are optional);
// without it they start an embedded pectatest server and say so.
package demo

import (
	"fmt"
	"io"
	"os"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

// Env is where an example sends its calls.
type Env struct {
	BaseURL        string
	PublishableKey string
	SecretKey      string            // may be empty with a real server
	Server         *pectatest.Server // nil unless embedded
}

// Embedded reports whether the example runs against its own server.
func (e *Env) Embedded() bool { return e.Server != nil }

// Close stops the embedded server, if any.
func (e *Env) Close() {
	if e.Server != nil {
		e.Server.Close()
	}
}

// Setup reads the environment or starts an embedded server, and tells w
// which it did. Keys are printed only as previews. opts configure the
// embedded server.
func Setup(w io.Writer, opts ...pectatest.Option) *Env {
	if key := os.Getenv("PECTA_API_KEY"); key != "" {
		e := &Env{
			BaseURL:        os.Getenv("PECTA_BASE_URL"),
			PublishableKey: key,
			SecretKey:      os.Getenv("PECTA_SECRET_KEY"),
		}
		if e.BaseURL == "" {
			e.BaseURL = pecta.DefaultBaseURL
		}
		fmt.Fprintf(w, "Using %s with key %s (from PECTA_API_KEY)\n", e.BaseURL, pecta.NewAPIKey(key))
		return e
	}
	srv := pectatest.NewServer(opts...)
	fmt.Fprintf(w, "No PECTA_API_KEY set: started an embedded Pecta test server at %s\n", srv.URL)
	return &Env{BaseURL: srv.URL, PublishableKey: srv.PublishableKey.Reveal(), SecretKey: srv.SecretKey.Reveal(), Server: srv}
}

// Client returns a client for the server the example talks to: its
// publishable key, and its secret key, when there is one, to sign ingest
// bodies. In a service of your own that is
//
//	pecta.NewClient(os.Getenv("PECTA_API_KEY"), pecta.WithSecretKey(os.Getenv("PECTA_SECRET_KEY")))
func (e *Env) Client(opts ...pecta.Option) (*pecta.Client, error) {
	opts = append([]pecta.Option{pecta.WithBaseURL(e.BaseURL)}, opts...)
	if e.SecretKey != "" {
		opts = append(opts, pecta.WithSecretKey(e.SecretKey))
	}
	return pecta.NewClient(e.PublishableKey, opts...)
}
