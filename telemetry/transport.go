package telemetry

import (
	"context"

	"github.com/pecta-ai/pecta-go/pecta"
)

// newClientSender builds the pecta client the emitter posts with. The
// client never retries (the emitter owns retries, pacing and the 429
// pause) and never gets the secret key: the emitter signs each batch once
// and passes only the signature.
func newClientSender(set *settings) (sendFunc, error) {
	opts := []pecta.Option{
		pecta.WithBaseURL(set.baseURL),
		pecta.WithMaxRetries(0),
		pecta.WithUserAgent("pecta-telemetry"),
	}
	if set.httpClient != nil {
		opts = append(opts, pecta.WithHTTPClient(set.httpClient))
	}
	if set.logger != nil {
		opts = append(opts, pecta.WithLogger(set.logger))
	}
	if set.insecure {
		opts = append(opts, pecta.WithInsecureHTTP())
	}
	c, err := pecta.NewClient(string(set.pk), opts...)
	if err != nil {
		if _, ok := err.(*pecta.KeyError); ok {
			return nil, &ConfigError{Field: "PublishableKey", Reason: "rejected by the client"}
		}
		return nil, &ConfigError{Field: "BaseURL", Reason: err.Error()}
	}
	return func(ctx context.Context, body []byte, sig string) (int, error) {
		res, err := c.IngestRaw(ctx, body, sig)
		if err != nil {
			return 0, err
		}
		return res.Accepted, nil
	}, nil
}
