package telemetry

import (
	"net/http"

	"github.com/pecta-ai/pecta-go/internal/clientlink"
	"github.com/pecta-ai/pecta-go/pecta"
)

// newClientSender builds the pecta client the emitter posts with. The
// client never retries (the emitter owns retries, pacing and the 429
// pause) and never gets the secret key: the emitter signs each batch once
// and passes only the signature. Without Config.HTTPClient the emitter
// gets an HTTP client of its own, returned as own so that Close can close
// its idle connections. It posts with the client's IngestBatch hook
// (internal/clientlink): one attempt, no retry machinery, and the body
// released back to the emitter's pool once net/http is done with it.
func newClientSender(set *settings) (send releasingSend, own *http.Client, err error) {
	hc := set.httpClient
	if hc == nil {
		hc = clientlink.DefaultHTTPClient()
		own = hc
	}
	opts := []pecta.Option{
		pecta.WithBaseURL(set.baseURL),
		pecta.WithMaxRetries(pecta.NoRetries),
		pecta.WithUserAgent("pecta-telemetry"),
		pecta.WithHTTPClient(hc),
	}
	if set.logger != nil {
		opts = append(opts, pecta.WithLogger(set.logger))
	}
	if set.insecure {
		opts = append(opts, pecta.WithInsecureHTTP())
	}
	apiKey := ""
	if creds, ok := set.keys.(*pecta.Credentials); ok {
		opts = append(opts, pecta.WithCredentials(creds)) // the Bearer key of each request is read from creds
	} else {
		apiKey = set.pk.Reveal()
	}
	c, err := pecta.NewClient(apiKey, opts...)
	if err != nil {
		if _, ok := err.(*pecta.KeyError); ok {
			return nil, nil, &ConfigError{Field: "PublishableKey", Reason: "rejected by the client"}
		}
		return nil, nil, &ConfigError{Field: "BaseURL", Reason: err.Error()}
	}
	link, _ := clientlink.Inspect(c)
	return link.IngestBatch, own, nil
}
