package telemetry

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// DefaultRequestsPerMinute is the documented ingest limit of an
// organisation, the default pace (Config.RequestsPerMinute).
const DefaultRequestsPerMinute = 500

// Defaults of the other Config fields (documented there).
const (
	defaultBatchSize      = pecta.MaxBatchEvents
	defaultFlushInterval  = 5 * time.Second
	defaultMaxQueueBytes  = 8 << 20
	defaultMaxRetries     = 8
	defaultRetryBudget    = 2 * time.Minute
	defaultRetryAfterCap  = time.Minute // the rate limit's window: no valid Retry-After is longer
	defaultRetryWaitMin   = 250 * time.Millisecond
	defaultRetryWaitMax   = 8 * time.Second
	defaultRequestTimeout = 10 * time.Second
	minQueueBytes         = 64 << 10
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

// Config configures an Emitter. The zero value of every optional field
// means its documented default; a negative count means none (MaxRetries:
// no retries; RequestsPerMinute: no pacing). Durations have minimums, so
// that a bare number (FlushInterval: 5, five nanoseconds) is refused with
// a *ConfigError naming the unit meant. A Config prints and encodes with
// its keys as previews ("pk_live_...x7f9"); JSON leaves out the callbacks,
// clients and interfaces.
type Config struct {
	// PublishableKey authenticates ingest requests (Bearer): a pk_live_
	// key, required. The secret key never travels on the wire.
	PublishableKey pecta.APIKey
	// SecretKey, an sk_live_ key, makes the emitter sign every batch
	// (X-Pecta-Signature: HMAC-SHA256 of the body). Default: unsigned.
	SecretKey pecta.APIKey
	// BaseURL of the API. Default pecta.DefaultBaseURL. http:// is refused
	// for hosts other than loopback unless InsecureHTTP is set.
	BaseURL      string
	InsecureHTTP bool
	// HTTPClient sends the requests. Default: a client of the emitter's
	// own, whose idle connections Close closes; a client given here is
	// never closed.
	HTTPClient *http.Client `json:"-"`

	// BatchSize is the number of events per request, 1..100. Default 100.
	BatchSize int
	// FlushInterval is the longest an event waits before its (possibly
	// partial) batch is sent. Default 5s; at least 10ms.
	FlushInterval time.Duration
	// MaxQueueBytes bounds the encoded events held and not yet delivered.
	// Default 8 MiB; at least 64 KiB.
	MaxQueueBytes int
	// Overflow says what a full queue drops. Default DropNewest.
	Overflow OverflowPolicy
	// SampleRate is the one sampling setting. 0, the default, samples
	// adaptively: per AgentID, the emitter keeps about what the Budget can
	// deliver (agents under their fair share keep every event, heavier
	// ones are sampled uniformly). 1 keeps every valid event. A value in
	// between keeps that fixed fraction. Events left out are counted under
	// "sampled", and Track returns nil for them.
	SampleRate float64 `json:",omitempty"`
	// Budget paces requests and grants the sampler its rate. Default
	// NewLocalBudget(RequestsPerMinute); telemetry/redisbudget shares one
	// budget between the processes of an organisation.
	Budget Budget `json:"-"`
	// RequestsPerMinute paces requests so that no 60 s window holds more.
	// Default 500 (the documented limit); negative: unpaced. Ignored with
	// Budget.
	RequestsPerMinute int

	// MaxRetries is the number of retries of a batch after a 429, a 5xx, a
	// timeout or a network error. Default 8; negative: none.
	MaxRetries int
	// RetryBudget is the longest a batch may be retried, from its first
	// attempt. Default 2m; at least 10ms.
	RetryBudget time.Duration
	// RetryAfterCap caps the server's Retry-After. Default 1m (the rate
	// limit's window); at least 1ms.
	RetryAfterCap time.Duration
	// RetryWaitMin and RetryWaitMax bound the jittered exponential backoff
	// between retries. Defaults 250ms and 8s; at least 1ms.
	RetryWaitMin, RetryWaitMax time.Duration
	// RequestTimeout bounds one request. Default 10s; at least 10ms.
	RequestTimeout time.Duration

	// Logger receives the emitter's diagnostics. Default nil: silent,
	// except that a key the server refuses and a spool failure are logged
	// at ERROR to slog.Default() (pass slog.New(slog.DiscardHandler) to
	// silence even those).
	Logger *slog.Logger `json:"-"`
	// OnDrop is told about dropped events, one call per reason with the
	// count since the previous call; OnError about delivery errors, at
	// most one call per batch (a refused key once). Both run on the
	// emitter's goroutine, never on Track's; a panic in them is recovered
	// and counted in Stats.CallbackPanics.
	OnDrop  func(DropReport) `json:"-"`
	OnError func(error)      `json:"-"`

	// Spool turns on the disk spool (the telemetry/spool module,
	// spool.Open): batches wait there, not in memory, until delivered, so
	// that a crash, a kill or a restart loses nothing that reached it
	// (docs/telemetry-spool.md). The emitter closes it. Default: memory
	// only.
	Spool Spool `json:"-"`
	// MaxSpoolBytes bounds the spool; past it the Overflow policy applies
	// (reason "spool_full"). Default 256 MiB; at least 1 MiB.
	MaxSpoolBytes int64 `json:",omitempty"`
}

// ConfigError reports an invalid Config field. It never contains a key.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "telemetry: config: " + e.Field + ": " + e.Reason }
