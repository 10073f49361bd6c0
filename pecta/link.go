package pecta

import "github.com/pecta-ai/pecta-go/internal/clientlink"

// The telemetry package reads a client's keys and transport through
// internal/clientlink (telemetry.NewFromClient), so nothing exported from
// this package reveals a key.
func init() {
	clientlink.DefaultHTTPClient = defaultHTTPClient
	clientlink.Inspect = func(v any) (clientlink.Client, bool) {
		c, ok := v.(*Client)
		if !ok || c == nil || c.creds == nil || c.baseURL == nil {
			return clientlink.Client{}, false
		}
		creds := c.creds
		return clientlink.Client{
			APIKey:     func() string { return string(creds.apiKey) },
			SecretKey:  func() string { return string(creds.secretKey) },
			BaseURL:    c.baseURL.String(),
			HTTPClient: c.http,
			Logger:     c.logger,
		}, true
	}
}
