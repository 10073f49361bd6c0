package pectatest

import "time"

// Default rate limits, per organisation and per rolling 60 s window, as documented by Pecta.
const (
	DefaultIngestPerMinute = 500 // POST /v1/ingest
	DefaultOtherPerMinute  = 200 // every other /v1/* route
)

// maxBodyBytes is the largest request body the server reads. Larger bodies are answered
// with 413 and code validation_error.
const maxBodyBytes = 5 << 20

// config holds what the options set. The zero value is never used: NewServer starts from
// defaultConfig.
type config struct {
	publishable   string
	secret        string
	withoutSecret bool
	xAPIKey       bool
	ingestPerMin  int
	otherPerMin   int
	now           func() time.Time
}

func defaultConfig() config {
	return config{
		ingestPerMin: DefaultIngestPerMinute,
		otherPerMin:  DefaultOtherPerMinute,
		now:          time.Now,
	}
}

// Option configures a Server created by NewServer.
type Option func(*config)

// WithKeys provisions the given keys instead of random ones. publishable must match
// pk_live_ followed by 32 letters or digits and secret sk_live_ followed by 32; NewServer
// panics otherwise. An empty publishable keeps a random one; an empty secret means the
// organisation has no secret key on file, as with WithoutSecretKey.
func WithKeys(publishable, secret string) Option {
	return func(c *config) {
		c.publishable = publishable
		c.secret = secret
		c.withoutSecret = secret == ""
	}
}

// WithoutSecretKey provisions no secret key: Server.SecretKey is the zero key, key
// management is only reachable with a key from Server.CreateKey, and a signed ingest gets
// 401 hmac_no_secret until a secret key is created.
func WithoutSecretKey() Option {
	return func(c *config) {
		c.secret = ""
		c.withoutSecret = true
	}
}

// WithXAPIKeyHeader makes the server also accept a key sent as "X-API-Key: <key>"
// (Authorization: Bearer wins when both are present), as some gateways in front of an API
// do. By default the server accepts only "Authorization: Bearer <key>", the one header
// the Pecta authentication reference documents, so that code sending X-API-Key fails its
// tests as it would fail in production (401 auth_missing, with a message naming this
// option).
func WithXAPIKeyHeader() Option {
	return func(c *config) { c.xAPIKey = true }
}

// WithRateLimits sets the per-organisation limits of the rolling 60 s windows: ingestPerMin
// for POST /v1/ingest and otherPerMin for every other /v1 route. A value <= 0 disables
// that limit. The defaults are DefaultIngestPerMinute and DefaultOtherPerMinute.
func WithRateLimits(ingestPerMin, otherPerMin int) Option {
	return func(c *config) {
		c.ingestPerMin = ingestPerMin
		c.otherPerMin = otherPerMin
	}
}

// WithoutRateLimits disables both rate limits.
func WithoutRateLimits() Option {
	return WithRateLimits(0, 0)
}

// WithClock sets the clock used for created_at, last_seen, timestamps of recorded requests
// and the rate-limit windows (so a fake clock can move a window on). Default time.Now.
// Latency injected with SetLatency and measured latencies always use real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}
