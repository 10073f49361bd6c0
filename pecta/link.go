package pecta

import "github.com/pecta-ai/pecta-go/internal/clientlink"

// The telemetry package reads a client's keys and transport, and posts its
// batches, through internal/clientlink (telemetry.NewFromClient,
// telemetry.New), so that nothing exported from this package reveals a key
// or publishes the emitter's plumbing.
func init() {
	clientlink.DefaultHTTPClient = defaultHTTPClient
	clientlink.Inspect = func(v any) (clientlink.Client, bool) {
		c, ok := v.(*Client)
		if !ok || c == nil || c.baseURL == nil {
			return clientlink.Client{}, false
		}
		return clientlink.Client{
			APIKey:      func() string { k, _, _ := c.creds.Keys(); return k.Reveal() },
			SecretKey:   func() string { _, k, _ := c.creds.Keys(); return k.Reveal() },
			Credentials: c.creds,
			BaseURL:     c.baseURL.String(),
			HTTPClient:  c.http,
			Logger:      c.logger,
			IngestBatch: c.ingestBatch,
		}, true
	}
}
