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

// Defaults applied to zero-valued Config fields (the base URL defaults to
// pecta.DefaultBaseURL).
const (
	DefaultBatchSize         = pecta.MaxBatchEvents // 100, also the maximum
	DefaultFlushInterval     = 5 * time.Second
	DefaultMaxQueueBytes     = 8 << 20 // 8 MiB of encoded events
	DefaultMaxRetries        = 8
	DefaultRetryBudget       = 2 * time.Minute
	DefaultRetryAfterCap     = time.Minute // the rate limit's window: no valid Retry-After is longer
	DefaultRetryWaitMin      = 250 * time.Millisecond
	DefaultRetryWaitMax      = 8 * time.Second
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

// MarshalText encodes the policy by name, so that a Config encoded as JSON
// decodes back.
func (p OverflowPolicy) MarshalText() ([]byte, error) {
	if p != DropNewest && p != DropOldest {
		return nil, fmt.Errorf("telemetry: invalid OverflowPolicy %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText decodes a policy name ("drop_newest", "drop_oldest").
func (p *OverflowPolicy) UnmarshalText(b []byte) error {
	switch string(b) {
	case "drop_newest":
		*p = DropNewest
	case "drop_oldest":
		*p = DropOldest
	default:
		return fmt.Errorf("telemetry: unknown OverflowPolicy %q (want drop_newest or drop_oldest)", b)
	}
	return nil
}

// Config configures an Emitter.
//
// It follows the SDK's configuration convention (README, "Configuration
// conventions"): the zero value of every optional field means its
// documented default, and a negative count means none (MaxRetries:
// pecta.NoRetries, no retries; RequestsPerMinute: -1, no pacing). Durations are time.Duration
// values (5*time.Second, not 5) and each has a minimum: a smaller one is
// refused with a *ConfigError rather than silently burning CPU.
//
// Config is safe to print by construction: its keys are Key values, which
// every printer (fmt verbs, slog, encoding/json, encoding/gob, reflection
// through unexported fields, testify diffs) shows as previews
// ("pk_live_...x7f9"). json.Marshal of a Config works and omits the
// callbacks and the HTTP client.
type Config struct {
	// PublishableKey authenticates ingest requests (Bearer). Required; must
	// be a pk_live_ key. A secret key here is refused: the secret key never
	// travels on the wire.
	//
	//	PublishableKey: pecta.NewAPIKey(os.Getenv("PECTA_API_KEY")),
	PublishableKey pecta.APIKey
	// SecretKey, if set, must be an sk_live_ key. Every batch is then signed
	// with HMAC-SHA256 (X-Pecta-Signature); only the signature is sent.
	// Default: none, batches are sent unsigned.
	SecretKey pecta.APIKey
	// BaseURL of the API root, scheme and host only. Default
	// pecta.DefaultBaseURL. http:// is refused for hosts other than
	// loopback unless InsecureHTTP is set.
	BaseURL string
	// InsecureHTTP allows a plain http:// BaseURL to a non-loopback host.
	InsecureHTTP bool
	// HTTPClient sends the requests. Default: a client of the emitter's
	// own, tuned like pecta's, whose idle connections Close closes. A
	// client given here is never closed by the emitter.
	HTTPClient *http.Client `json:"-"`

	// BatchSize is the number of events per request, 1..100. Default 100.
	BatchSize int
	// FlushInterval is the longest a tracked event waits before its
	// (possibly partial) batch is sealed and sent. Default 5s; at least
	// 10ms.
	FlushInterval time.Duration
	// MaxQueueBytes bounds the encoded events held in memory and not yet
	// delivered: being filled, sealed, or in flight. At least 64 KiB.
	// Default 8 MiB.
	MaxQueueBytes int
	// Overflow says what a full queue drops. Default DropNewest.
	Overflow OverflowPolicy
	// SampleRate is the one sampling setting. The default, 0, samples
	// adaptively: per AgentID, the emitter keeps about what the Budget can
	// deliver (agents offering less than their fair share keep every
	// event, heavier ones are sampled uniformly; AgentSampleRate gives an
	// agent's current rate). 1 keeps every valid event (a budget too small
	// for the traffic then fills the queue instead). A value in between
	// keeps that fixed fraction, chosen at random. Events left out are
	// counted as dropped with reason "sampled" (Track returns nil for
	// them).
	SampleRate float64 `json:",omitempty"`
	// Budget paces ingest requests and grants the sampler its rate.
	// Default NewLocalBudget(RequestsPerMinute). To share one budget
	// between the processes of an organisation, see telemetry/redisbudget.
	Budget Budget `json:"-"`

	// MaxRetries is the number of retries of one batch after a 429, a 5xx,
	// a timeout or a network error. Default (0) 8; a negative value
	// (pecta.NoRetries) means no retries.
	MaxRetries int
	// RetryBudget is the longest a batch may spend being retried, counted
	// from its first attempt. Default 2m; at least 10ms.
	RetryBudget time.Duration
	// RetryAfterCap caps the server's Retry-After. Default 1m, the length
	// of the rate limit's rolling window (a shorter cap sends a fleet's
	// retries into a window that is still full); at least 1ms.
	RetryAfterCap time.Duration
	// RetryWaitMin and RetryWaitMax bound the jittered exponential backoff
	// between retries, as pecta.WithRetryWait does for the client.
	// Defaults 250ms and 8s; at least 1ms each, RetryWaitMin <=
	// RetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// RequestTimeout bounds one ingest request. Default 10s; at least 10ms.
	RequestTimeout time.Duration
	// RequestsPerMinute paces ingest requests so that no 60 s window holds
	// more than this many. Default 500 (the documented limit); negative
	// means unpaced. Ignored when Budget is set.
	RequestsPerMinute int

	// Logger receives the emitter's diagnostics. Keys are never logged.
	//
	// Default nil: the emitter is silent except for fatal conditions (the
	// server refusing the key with 401/403; a failure of the emitter's own
	// configuration at run time), which it logs at ERROR level to
	// slog.Default(), once per occurrence. A silent default hid
	// misconfiguration (every event rejected, nothing said), and
	// slog.Default is the process's own choice of sink. To silence even
	// those, pass slog.New(slog.DiscardHandler).
	Logger *slog.Logger `json:"-"`
	// OnDrop, if set, is told about dropped events, aggregated: one call per
	// reason with the count since the previous call. It runs on the
	// emitter's goroutine, never on the goroutine calling Track; a panic in
	// it is recovered and counted in Stats.CallbackPanics.
	OnDrop func(DropReport) `json:"-"`
	// OnError, if set, is told about delivery errors (a batch rejected, a
	// retry failing), at most one call per batch, on the emitter's
	// goroutine. A key refused by the server is reported once (an error
	// matching ErrKeyRejected), not once per batch. Panics are recovered
	// and counted like OnDrop's.
	OnError func(error) `json:"-"`

	// Spool, if set, turns on the disk spool: every sealed batch is
	// written to it before it is sent and removed once delivered or
	// dropped for a counted reason, so that a crash, a SIGKILL or a
	// restart loses nothing that reached it; on Linux the batches not yet
	// spooled live in a file mapping in Spool.Dir() too, so that a kill
	// loses no event Track accepted. The next emitter on the same spool
	// delivers what is left first. Open one with the telemetry/spool
	// module (spool.Open); the emitter closes it. Default nil: memory only.
	Spool Spool `json:"-"`
	// MaxSpoolBytes bounds the batches held in the spool; past it the
	// Overflow policy applies (reason "spool_full"). At least 1 MiB.
	// Default DefaultMaxSpoolBytes (256 MiB).
	MaxSpoolBytes int64 `json:",omitempty"`
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
		s.batchSize = DefaultBatchSize
	case c.BatchSize < 0 || c.BatchSize > pecta.MaxBatchEvents:
		return bad("BatchSize", "must be between 1 and 100 (the ingest limit)")
	default:
		s.batchSize = c.BatchSize
	}
	if s.flushInterval, err = durationOr(c.FlushInterval, DefaultFlushInterval, minInterval); err != nil {
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
		min   time.Duration
		out   *time.Duration
	}{
		{"RetryBudget", c.RetryBudget, DefaultRetryBudget, minInterval, &s.retryBudget},
		{"RetryAfterCap", c.RetryAfterCap, DefaultRetryAfterCap, minWait, &s.retryAfterCap},
		{"RetryWaitMin", c.RetryWaitMin, DefaultRetryWaitMin, minWait, &s.retryWaitMin},
		{"RetryWaitMax", c.RetryWaitMax, DefaultRetryWaitMax, minWait, &s.retryWaitMax},
		{"RequestTimeout", c.RequestTimeout, DefaultRequestTimeout, minInterval, &s.requestTimeout},
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
		s.maxSpoolBytes = DefaultMaxSpoolBytes
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
