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
// Key management needs a client holding the secret key:
// pecta.NewClient(s.SecretKey, pecta.WithBaseURL(s.URL)). A telemetry emitter for the
// server is telemetry.NewFromClient(s.Client(), cfg): same keys, URL and connections.
//
// Client panics if an option is invalid, as NewServer does; the message never contains a
// key.
func (s *Server) Client(opts ...pecta.Option) *pecta.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	s.mu.Lock()
	s.transports = append(s.transports, tr)
	s.mu.Unlock()

	all := []pecta.Option{pecta.WithBaseURL(s.URL), pecta.WithHTTPClient(&http.Client{Transport: tr})}
	if s.SecretKey != "" {
		all = append(all, pecta.WithSecretKey(s.SecretKey))
	}
	c, err := pecta.NewClient(s.PublishableKey, append(all, opts...)...)
	if err != nil {
		panic("pectatest: Server.Client: " + err.Error())
	}
	return c
}

// closeClientConns closes the idle connections of every client made by Client.
func (s *Server) closeClientConns() {
	s.mu.Lock()
	trs := s.transports
	s.transports = nil
	s.mu.Unlock()
	for _, tr := range trs {
		tr.CloseIdleConnections()
	}
}
