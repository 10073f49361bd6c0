package telemetry

import (
	"github.com/pecta-ai/pecta-go/internal/clientlink"
	"github.com/pecta-ai/pecta-go/internal/keys"
	"github.com/pecta-ai/pecta-go/pecta"
)

// NewFromClient builds an emitter that shares c's credentials and
// connection settings, so that they are configured once:
//
//   - c's publishable key authenticates ingest requests (Bearer);
//   - c's secret key (pecta.WithSecretKey), if any, signs every batch and
//     never goes on the wire;
//   - c's base URL, HTTP client (pecta.WithHTTPClient or c's own) and,
//     when cfg.Logger is nil, its logger are used.
//
// cfg holds the emitter's other settings; its PublishableKey, SecretKey,
// BaseURL, InsecureHTTP and HTTPClient must be left zero (a *ConfigError
// names a field that is set). The emitter keeps its own retry policy and
// pacing: c's retry options do not apply. Close never closes c's idle
// connections, since c may still be in use. A client created with a secret
// key as its main key is refused: telemetry sends a publishable key.
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
	apiKey := info.APIKey()
	if kind, _ := keys.Parse(apiKey); kind != keys.Publishable {
		return nil, &ConfigError{Field: "client", Reason: "its key is not a publishable (pk_live_) key; telemetry sends only a publishable key: " +
			"create the client with pecta.NewClient(pk, pecta.WithSecretKey(sk))"}
	}
	cfg.PublishableKey = pecta.NewAPIKey(apiKey)
	cfg.SecretKey = pecta.NewAPIKey(info.SecretKey())
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
