package pectatest

import (
	"net/http"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Client returns a *pecta.Client configured for the server, as httptest.Server.Client
// does for net/http: it calls s.URL with the publishable key, signs ingest with the secret
// key (when the server has one), and has its own connection pool, whose idle connections
// Close closes. opts are applied after these settings, so they can override any of them
// (pecta.WithRetryWait(time.Millisecond, 10*time.Millisecond) makes retries fast in
// tests; pecta.WithMaxRetries(pecta.NoRetries) turns them off).
//
// A telemetry emitter for the server is telemetry.NewFromClient(s.Client(), cfg): same
// keys, URL and connections.
//
// Client panics if an option is invalid, as NewServer does; the message never contains a
// key.
func (s *Server) Client(opts ...pecta.Option) *pecta.Client {
	var sign []pecta.Option
	if !s.SecretKey.IsZero() {
		sign = append(sign, pecta.WithSecretKey(s.SecretKey.Reveal()))
	}
	return s.newClient("Client", s.PublishableKey, append(sign, opts...))
}

// AdminClient returns a *pecta.Client that holds the secret key, for what only a secret key
// may do: key management and usage logs (c.Keys). Like Client it calls s.URL with a
// connection pool of its own that Close closes, and applies opts last. It panics when the
// server has no secret key (WithoutSecretKey) or an option is invalid.
func (s *Server) AdminClient(opts ...pecta.Option) *pecta.Client {
	if s.SecretKey.IsZero() {
		panic("pectatest: Server.AdminClient: the server has no secret key (WithoutSecretKey)")
	}
	return s.newClient("AdminClient", s.SecretKey, opts)
}

// newClient builds a client for key with its own transport, tracked for Close.
func (s *Server) newClient(name string, key pecta.APIKey, opts []pecta.Option) *pecta.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	s.mu.Lock()
	s.transports = append(s.transports, tr)
	s.mu.Unlock()

	all := []pecta.Option{pecta.WithBaseURL(s.URL), pecta.WithHTTPClient(&http.Client{Transport: tr})}
	c, err := pecta.NewClient(key.Reveal(), append(all, opts...)...)
	if err != nil {
		panic("pectatest: Server." + name + ": " + err.Error())
	}
	return c
}

// closeClientConns closes the idle connections of every client made by Client and
// AdminClient.
func (s *Server) closeClientConns() {
	s.mu.Lock()
	trs := s.transports
	s.transports = nil
	s.mu.Unlock()
	for _, tr := range trs {
		tr.CloseIdleConnections()
	}
}
