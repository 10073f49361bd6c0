package telemetry

import (
	"github.com/pecta-ai/pecta-go/internal/clientlink"
	"github.com/pecta-ai/pecta-go/pecta"
)

// NewFromClient builds an emitter with c's keys (its publishable key as
// Bearer, its WithSecretKey secret for signing), base URL, HTTP client and,
// when cfg.Logger is nil, logger, so that they are configured once. cfg's
// PublishableKey, SecretKey, BaseURL, InsecureHTTP and HTTPClient must be
// zero. The emitter keeps its own retries and pacing, and never closes c's
// connections. A client whose main key is a secret key is refused.
func NewFromClient(c *pecta.Client, cfg Config) (*Emitter, error) {
	info, ok := clientlink.Inspect(c)
	if !ok {
		return nil, &ConfigError{Field: "client", Reason: "is nil or not made by pecta.NewClient"}
	}
	switch {
	case !cfg.PublishableKey.IsZero():
		return nil, fromClientField("PublishableKey")
	case !cfg.SecretKey.IsZero():
		return nil, fromClientField("SecretKey")
	case cfg.BaseURL != "":
		return nil, fromClientField("BaseURL")
	case cfg.InsecureHTTP:
		return nil, fromClientField("InsecureHTTP")
	case cfg.HTTPClient != nil:
		return nil, fromClientField("HTTPClient")
	}
	if cfg.Credentials != nil {
		return nil, fromClientField("Credentials")
	}
	creds, _ := info.Credentials.(*pecta.Credentials)
	if pk, _, _ := creds.Keys(); !pk.IsPublishable() {
		return nil, &ConfigError{Field: "client", Reason: "its key is not a publishable (pk_live_) key; telemetry sends only a publishable key: " +
			"create the client with pecta.NewClient(pk, pecta.WithSecretKey(sk))"}
	}
	cfg.Credentials = creds // the client's rotations apply to the emitter too
	cfg.BaseURL = info.BaseURL
	cfg.InsecureHTTP = true // the client has validated its base URL, with its own WithInsecureHTTP
	cfg.HTTPClient = info.HTTPClient
	if cfg.Logger == nil {
		cfg.Logger = info.Logger
	}
	return New(cfg)
}

func fromClientField(field string) error {
	return &ConfigError{Field: field, Reason: "is taken from the client in NewFromClient: leave it unset"}
}
