package pectatest

import (
	"net/http"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// Client returns a *pecta.Client configured for the server, as httptest.Server.Client
// does for net/http: it calls s.URL with the publishable key, signs ingest with the secret
// key (when the server has one), and has its own connection pool, whose idle connections
// Close closes. opts are applied after these settings, so they can override any of them
// (pecta.WithRetryWait(time.Millisecond, 10*time.Millisecond) makes retries fast in
// tests; pecta.WithMaxRetries(pecta.NoRetries) turns them off).
//
// For a telemetry emitter, use EmitterConfig: it also turns off the sampling and pacing that
// would keep a test from seeing every event.
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

// EmitterConfig returns a telemetry.Config for the server under which a test gets every
// event it tracks delivered, and fast:
//
//   - PublishableKey, SecretKey (batches are signed unless the server has no secret key)
//     and BaseURL are the server's.
//   - HTTPClient has a connection pool of its own, as Client's does, whose idle
//     connections Close closes (an emitter never closes a client it is given).
//   - SampleRate 1 keeps every event. The default, 0, samples adaptively to what the
//     organisation's ingest budget can deliver (at most about 800 events/s): a test that
//     tracks thousands of events would find most of them dropped as "sampled".
//   - RequestsPerMinute -1 sends without pacing. The default paces to the documented 500
//     ingest requests a minute, starting slower, so that a Flush of a large backlog takes
//     minutes.
//   - FlushInterval is 20ms (default 5s), so that a partial batch goes out soon after
//     Track, and RetryWaitMin and RetryWaitMax are 1ms and 10ms (defaults 250ms and 8s),
//     so that retries after FailNext are quick.
//
// Every other field has its production default; set any field before telemetry.New.
//
// The server still enforces its ingest rate limit, the documented 500 requests per rolling
// minute, unless it was created WithoutRateLimits (or WithRateLimits): an unpaced emitter
// that goes past it gets 429 with a Retry-After and pauses, for up to a minute, as it would
// in production. A test that keeps tracking for longer than a few seconds (every
// FlushInterval sends a request) should create its server WithoutRateLimits.
func (s *Server) EmitterConfig() telemetry.Config {
	return telemetry.Config{
		PublishableKey:    s.PublishableKey,
		SecretKey:         s.SecretKey,
		BaseURL:           s.URL,
		HTTPClient:        s.newHTTPClient(),
		SampleRate:        1,
		RequestsPerMinute: -1,
		FlushInterval:     20 * time.Millisecond,
		RetryWaitMin:      time.Millisecond,
		RetryWaitMax:      10 * time.Millisecond,
	}
}

// newHTTPClient returns an HTTP client with a transport of its own, whose idle connections
// Close closes.
func (s *Server) newHTTPClient() *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	s.mu.Lock()
	s.transports = append(s.transports, tr)
	s.mu.Unlock()
	return &http.Client{Transport: tr}
}

// newClient builds a client for key with its own transport, tracked for Close.
func (s *Server) newClient(name string, key pecta.APIKey, opts []pecta.Option) *pecta.Client {
	all := []pecta.Option{pecta.WithBaseURL(s.URL), pecta.WithHTTPClient(s.newHTTPClient())}
	c, err := pecta.NewClient(key.Reveal(), append(all, opts...)...)
	if err != nil {
		panic("pectatest: Server." + name + ": " + err.Error())
	}
	return c
}

// closeClientConns closes the idle connections of every client made by Client,
// AdminClient and EmitterConfig.
func (s *Server) closeClientConns() {
	s.mu.Lock()
	trs := s.transports
	s.transports = nil
	s.mu.Unlock()
	for _, tr := range trs {
		tr.CloseIdleConnections()
	}
}
