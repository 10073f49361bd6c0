package telemetry

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// settings is a validated Config with defaults applied.
type settings struct {
	pk, sk         pecta.APIKey // the keys now (previews in messages)
	keys           keySource
	baseURL        string
	insecure       bool
	httpClient     *http.Client
	batchSize      int
	flushInterval  time.Duration
	maxQueueBytes  int64
	overflow       OverflowPolicy
	sampleRate     float64
	sampling       samplingMode
	budget         Budget
	maxRetries     int
	retryBudget    time.Duration
	retryAfterCap  time.Duration
	retryWaitMin   time.Duration
	retryWaitMax   time.Duration
	requestTimeout time.Duration
	requestsPerMin int
	logger         *slog.Logger
	onDrop         func(DropReport)
	onError        func(error)
	// authProbeMin and authProbeMax bound the interval between probes
	// while the server refuses the key (see fatal.go).
	authProbeMin, authProbeMax time.Duration
	spool                      Spool
	maxSpoolBytes              int64
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
	if err := c.keySettings(&s); err != nil {
		return settings{}, err
	}

	s.baseURL = strings.TrimRight(c.BaseURL, "/")
	if s.baseURL == "" {
		s.baseURL = pecta.DefaultBaseURL
	}
	u, err := url.Parse(s.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("BaseURL", "must be an absolute http(s) URL")
	}
	if u.User != nil {
		return bad("BaseURL", "must not contain credentials")
	}
	if u.Scheme == "http" && !c.InsecureHTTP && !isLoopback(u.Hostname()) {
		return bad("BaseURL", "plaintext http:// to a non-loopback host: use https, or set InsecureHTTP")
	}

	switch {
	case c.BatchSize == 0:
		s.batchSize = defaultBatchSize
	case c.BatchSize < 0 || c.BatchSize > pecta.MaxBatchEvents:
		return bad("BatchSize", "must be between 1 and 100 (the ingest limit)")
	default:
		s.batchSize = c.BatchSize
	}
	if s.flushInterval, err = durationOr(c.FlushInterval, defaultFlushInterval, minInterval); err != nil {
		return bad("FlushInterval", err.Error())
	}
	switch {
	case c.MaxQueueBytes == 0:
		s.maxQueueBytes = defaultMaxQueueBytes
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
		s.sampleRate, s.sampling = 1, samplingAdaptive
	case math.IsNaN(c.SampleRate) || c.SampleRate < 0 || c.SampleRate > 1:
		return bad("SampleRate", "must be 0 (adaptive), 1 (keep every event) or a fraction in between")
	case c.SampleRate == 1:
		s.sampleRate, s.sampling = 1, samplingOff
	default:
		s.sampleRate, s.sampling = c.SampleRate, samplingFixed
	}
	switch {
	case c.MaxRetries == 0:
		s.maxRetries = defaultMaxRetries
	case c.MaxRetries < 0:
		s.maxRetries = 0
	default:
		s.maxRetries = c.MaxRetries
	}
	for _, d := range []struct {
		field string
		in    time.Duration
		def   time.Duration
		min   time.Duration
		out   *time.Duration
	}{
		{"RetryBudget", c.RetryBudget, defaultRetryBudget, minInterval, &s.retryBudget},
		{"RetryAfterCap", c.RetryAfterCap, defaultRetryAfterCap, minWait, &s.retryAfterCap},
		{"RetryWaitMin", c.RetryWaitMin, defaultRetryWaitMin, minWait, &s.retryWaitMin},
		{"RetryWaitMax", c.RetryWaitMax, defaultRetryWaitMax, minWait, &s.retryWaitMax},
		{"RequestTimeout", c.RequestTimeout, defaultRequestTimeout, minInterval, &s.requestTimeout},
	} {
		if *d.out, err = durationOr(d.in, d.def, d.min); err != nil {
			return bad(d.field, err.Error())
		}
	}
	if s.retryWaitMax < s.retryWaitMin {
		return bad("RetryWaitMax", "must not be less than RetryWaitMin")
	}
	switch {
	case c.RequestsPerMinute == 0:
		s.requestsPerMin = DefaultRequestsPerMinute
	case c.RequestsPerMinute < 0:
		s.requestsPerMin = -1
	default:
		s.requestsPerMin = c.RequestsPerMinute
	}
	s.authProbeMin, s.authProbeMax = authProbeMin, authProbeMax
	s.spool = c.Spool
	switch {
	case c.MaxSpoolBytes == 0:
		s.maxSpoolBytes = defaultMaxSpoolBytes
	case c.MaxSpoolBytes < minSpoolBytes:
		return bad("MaxSpoolBytes", "must be at least 1 MiB")
	default:
		s.maxSpoolBytes = c.MaxSpoolBytes
	}
	s.budget = c.Budget
	if s.budget == nil {
		s.budget = NewLocalBudget(s.requestsPerMin)
	}
	return s, nil
}

type reasonError string

func (r reasonError) Error() string { return string(r) }

// Minimums of the Config durations: a smaller value is a unit mistake
// (FlushInterval: 5 means 5ns, not 5s) that would spin a goroutine or time
// out every request.
const (
	minInterval = 10 * time.Millisecond // FlushInterval, RequestTimeout, RetryBudget
	minWait     = time.Millisecond      // RetryWaitMin, RetryWaitMax, RetryAfterCap
)

// durationOr applies the default def to 0 and refuses negative values and
// values below min, suggesting the unit the caller probably meant: of n
// milliseconds and n seconds, the valid one nearer the default
// (RetryWaitMin: 250 suggests 250*time.Millisecond, FlushInterval: 5
// suggests 5*time.Second).
func durationOr(d, def, min time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return def, nil
	case d < 0:
		return 0, reasonError("must not be negative (0 means the default " + def.String() + ")")
	case d < min:
		n := int64(d)
		unit := "Second"
		ms := time.Duration(n) * time.Millisecond
		// how many times off the default each reading is
		off := func(c time.Duration) float64 { return math.Abs(math.Log(float64(c) / float64(def))) }
		if ms >= min && off(ms) < off(time.Duration(n)*time.Second) {
			unit = "Millisecond"
		}
		return 0, reasonError(fmt.Sprintf("%v is below the minimum %v: a time.Duration counts nanoseconds; did you mean %d*time.%s?", d, min, n, unit))
	}
	return d, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// keySettings checks the keys, static or rotating.
func (c *Config) keySettings(s *settings) error {
	bad := func(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }
	if c.Credentials != nil {
		if !c.PublishableKey.IsZero() || !c.SecretKey.IsZero() {
			return bad("Credentials", "set either Credentials or PublishableKey and SecretKey, not both")
		}
		pk, sk, _ := c.Credentials.Keys()
		if !pk.IsPublishable() {
			return bad("Credentials", "must hold a publishable (pk_live_) key; a secret key never goes on the wire")
		}
		s.pk, s.sk, s.keys = pk, sk, c.Credentials
		return nil
	}
	if c.PublishableKey.IsZero() {
		return bad("PublishableKey", "is required (pecta.NewAPIKey(os.Getenv(\"PECTA_API_KEY\")))")
	}
	pk, err := pecta.ParseKey(c.PublishableKey.Reveal())
	if err != nil {
		return bad("PublishableKey", err.(*pecta.KeyError).Reason)
	}
	if !pk.IsPublishable() {
		return bad("PublishableKey", "must be a publishable (pk_live_) key; a secret key never goes on the wire")
	}
	s.pk = c.PublishableKey
	if !c.SecretKey.IsZero() {
		sk, err := pecta.ParseKey(c.SecretKey.Reveal())
		if err != nil {
			return bad("SecretKey", err.(*pecta.KeyError).Reason)
		}
		if !sk.IsSecret() {
			return bad("SecretKey", "must be a secret (sk_live_) key")
		}
		s.sk = c.SecretKey
	}
	s.keys = staticKeys{s.pk, s.sk}
	return nil
}
