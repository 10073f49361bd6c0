package telemetry

import (
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Defaults applied to zero-valued Config fields.
const (
	DefaultBaseURL           = "https://api.pecta.ai"
	DefaultBatchSize         = pecta.MaxBatchEvents // 100, also the maximum
	DefaultFlushInterval     = 5 * time.Second
	DefaultMaxQueueBytes     = 8 << 20 // 8 MiB of encoded events
	DefaultMaxRetries        = 8
	DefaultRetryBudget       = 2 * time.Minute
	DefaultRetryAfterCap     = 30 * time.Second
	DefaultBackoffMin        = 250 * time.Millisecond
	DefaultBackoffMax        = 8 * time.Second
	DefaultRequestTimeout    = 10 * time.Second
	DefaultRequestsPerMinute = 500 // the documented ingest rate limit
	minQueueBytes            = 64 << 10
)

// OverflowPolicy says which events a full queue sheds.
type OverflowPolicy int

const (
	// DropNewest refuses the event being tracked (Track returns ErrQueueFull).
	// It is the default.
	DropNewest OverflowPolicy = iota
	// DropOldest discards the oldest sealed batch that is not being sent to
	// make room, and accepts the new event. When no such batch exists the
	// new event is refused as with DropNewest.
	DropOldest
)

// String names the policy.
func (p OverflowPolicy) String() string {
	switch p {
	case DropNewest:
		return "drop_newest"
	case DropOldest:
		return "drop_oldest"
	}
	return "invalid"
}

// Config configures an Emitter. The zero value of every optional field means
// its documented default. Config prints redacted: fmt verbs and slog show key
// previews ("pk_live_...x7f9"), never the keys.
type Config struct {
	// PublishableKey authenticates ingest requests (Bearer). Required; must
	// be a pk_live_ key. A secret key here is refused: the secret key never
	// travels on the wire.
	PublishableKey string
	// SecretKey, if set, must be an sk_live_ key. Every batch is then signed
	// with HMAC-SHA256 (X-Pecta-Signature); only the signature is sent.
	// Default: empty, batches are sent unsigned.
	SecretKey string
	// BaseURL of the API. Default DefaultBaseURL. http:// is refused for
	// hosts other than loopback unless InsecureHTTP is set.
	BaseURL string
	// InsecureHTTP allows a plain http:// BaseURL to a non-loopback host.
	InsecureHTTP bool
	// HTTPClient sends the requests. Default: the pecta client's tuned client.
	HTTPClient *http.Client

	// BatchSize is the number of events per request, 1..100. Default 100.
	BatchSize int
	// FlushInterval is the longest a tracked event waits before its
	// (possibly partial) batch is sealed and sent. Default 5s.
	FlushInterval time.Duration
	// MaxQueueBytes bounds the encoded events held in memory and not yet
	// delivered: being filled, sealed, or in flight. At least 64 KiB.
	// Default 8 MiB.
	MaxQueueBytes int
	// Overflow says what a full queue drops. Default DropNewest.
	Overflow OverflowPolicy
	// SampleRate keeps this fraction of valid events, chosen at random, and
	// counts the rest as dropped with reason "sampled" (Track returns nil
	// for them). 0 means 1 (keep every event); otherwise 0 < SampleRate <= 1.
	SampleRate float64

	// MaxRetries is the number of retries of one batch after a 429, a 5xx,
	// a timeout or a network error. Default 8; negative means no retries.
	MaxRetries int
	// RetryBudget is the longest a batch may spend being retried, counted
	// from its first attempt. Default 2m.
	RetryBudget time.Duration
	// RetryAfterCap caps the server's Retry-After. Default 30s.
	RetryAfterCap time.Duration
	// BackoffMin and BackoffMax bound the jittered exponential backoff
	// between retries. Defaults 250ms and 8s.
	BackoffMin, BackoffMax time.Duration
	// RequestTimeout bounds one ingest request. Default 10s.
	RequestTimeout time.Duration
	// RequestsPerMinute paces ingest requests so that no 60 s window holds
	// more than this many. Default 500 (the documented limit); negative
	// means unpaced.
	RequestsPerMinute int

	// Logger receives the emitter's diagnostics. Default nil: silent. Keys
	// are never logged.
	Logger *slog.Logger
	// OnDrop, if set, is told about dropped events, aggregated: one call per
	// reason with the count since the previous call. It runs on the
	// emitter's goroutine, never on the goroutine calling Track; a panic in
	// it is recovered and counted in Stats.CallbackPanics.
	OnDrop func(DropReport)
	// OnError, if set, is told about delivery errors (a batch rejected, a
	// retry failing), at most one call per batch, on the emitter's
	// goroutine. Panics are recovered and counted like OnDrop's.
	OnError func(error)
}

// ConfigError reports an invalid Config field. It never contains a key.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "telemetry: config: " + e.Field + ": " + e.Reason }

// settings is a validated Config with defaults applied.
type settings struct {
	pk, sk         pecta.APIKey
	baseURL        string
	insecure       bool
	httpClient     *http.Client
	batchSize      int
	flushInterval  time.Duration
	maxQueueBytes  int64
	overflow       OverflowPolicy
	sampleRate     float64
	maxRetries     int
	retryBudget    time.Duration
	retryAfterCap  time.Duration
	backoffMin     time.Duration
	backoffMax     time.Duration
	requestTimeout time.Duration
	requestsPerMin int
	logger         *slog.Logger
	onDrop         func(DropReport)
	onError        func(error)
}

func (c *Config) settings() (settings, error) {
	s := settings{
		insecure:   c.InsecureHTTP,
		httpClient: c.HTTPClient,
		overflow:   c.Overflow,
		logger:     c.Logger,
		onDrop:     c.OnDrop,
		onError:    c.OnError,
	}
	bad := func(field, reason string) (settings, error) {
		return settings{}, &ConfigError{Field: field, Reason: reason}
	}
	if c.PublishableKey == "" {
		return bad("PublishableKey", "is required")
	}
	pk, err := pecta.ParseKey(c.PublishableKey)
	if err != nil {
		return bad("PublishableKey", err.(*pecta.KeyError).Reason)
	}
	if !pk.IsPublishable() {
		return bad("PublishableKey", "must be a publishable (pk_live_) key; a secret key never goes on the wire")
	}
	s.pk = pk
	if c.SecretKey != "" {
		sk, err := pecta.ParseKey(c.SecretKey)
		if err != nil {
			return bad("SecretKey", err.(*pecta.KeyError).Reason)
		}
		if !sk.IsSecret() {
			return bad("SecretKey", "must be a secret (sk_live_) key")
		}
		s.sk = sk
	}

	s.baseURL = strings.TrimRight(c.BaseURL, "/")
	if s.baseURL == "" {
		s.baseURL = DefaultBaseURL
	}
	u, err := url.Parse(s.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("BaseURL", "must be an absolute http(s) URL")
	}
	if u.User != nil {
		return bad("BaseURL", "must not contain credentials")
	}

	switch {
	case c.BatchSize == 0:
		s.batchSize = DefaultBatchSize
	case c.BatchSize < 0 || c.BatchSize > pecta.MaxBatchEvents:
		return bad("BatchSize", "must be between 1 and 100 (the ingest limit)")
	default:
		s.batchSize = c.BatchSize
	}
	if s.flushInterval, err = durationOr(c.FlushInterval, DefaultFlushInterval); err != nil {
		return bad("FlushInterval", err.Error())
	}
	switch {
	case c.MaxQueueBytes == 0:
		s.maxQueueBytes = DefaultMaxQueueBytes
	case c.MaxQueueBytes < minQueueBytes:
		return bad("MaxQueueBytes", "must be at least 64 KiB")
	default:
		s.maxQueueBytes = int64(c.MaxQueueBytes)
	}
	if c.Overflow != DropNewest && c.Overflow != DropOldest {
		return bad("Overflow", "must be DropNewest or DropOldest")
	}
	switch {
	case c.SampleRate == 0:
		s.sampleRate = 1
	case math.IsNaN(c.SampleRate) || c.SampleRate < 0 || c.SampleRate > 1:
		return bad("SampleRate", "must be in (0, 1], or 0 for 1")
	default:
		s.sampleRate = c.SampleRate
	}
	switch {
	case c.MaxRetries == 0:
		s.maxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		s.maxRetries = 0
	default:
		s.maxRetries = c.MaxRetries
	}
	for _, d := range []struct {
		field string
		in    time.Duration
		def   time.Duration
		out   *time.Duration
	}{
		{"RetryBudget", c.RetryBudget, DefaultRetryBudget, &s.retryBudget},
		{"RetryAfterCap", c.RetryAfterCap, DefaultRetryAfterCap, &s.retryAfterCap},
		{"BackoffMin", c.BackoffMin, DefaultBackoffMin, &s.backoffMin},
		{"BackoffMax", c.BackoffMax, DefaultBackoffMax, &s.backoffMax},
		{"RequestTimeout", c.RequestTimeout, DefaultRequestTimeout, &s.requestTimeout},
	} {
		if *d.out, err = durationOr(d.in, d.def); err != nil {
			return bad(d.field, err.Error())
		}
	}
	if s.backoffMax < s.backoffMin {
		return bad("BackoffMax", "must not be less than BackoffMin")
	}
	switch {
	case c.RequestsPerMinute == 0:
		s.requestsPerMin = DefaultRequestsPerMinute
	case c.RequestsPerMinute < 0:
		s.requestsPerMin = -1
	default:
		s.requestsPerMin = c.RequestsPerMinute
	}
	return s, nil
}

type reasonError string

func (r reasonError) Error() string { return string(r) }

func durationOr(d, def time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return def, nil
	case d < 0:
		return 0, reasonError("must not be negative")
	}
	return d, nil
}
