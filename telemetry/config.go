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

// OverflowPolicy says which events a full queue sheds: DropNewest refuses
// the event being tracked (Track returns ErrQueueFull); DropOldest drops
// the oldest queued batch not being sent, or refuses the event when there
// is none. It encodes as text by name ("drop_newest", "drop_oldest").
type OverflowPolicy int

// The overflow policies; DropNewest is the default.
const (
	DropNewest OverflowPolicy = iota
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

// MarshalText encodes the policy by name.
func (p OverflowPolicy) MarshalText() ([]byte, error) {
	if p != DropNewest && p != DropOldest {
		return nil, fmt.Errorf("telemetry: invalid OverflowPolicy %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText decodes a policy name.
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

// Config configures an Emitter. A zero field means its default, a
// negative count means none (MaxRetries: no retries; RequestsPerMinute: no
// pacing), and durations have minimums, so that a bare number (5, five
// nanoseconds) is refused with a *ConfigError naming the unit meant:
//
//	BatchSize 100 (1..100)          FlushInterval 5s (>= 10ms)
//	MaxQueueBytes 8 MiB (>= 64 KiB) MaxSpoolBytes 256 MiB (>= 1 MiB)
//	RequestsPerMinute 500           RequestTimeout 10s (>= 10ms)
//	MaxRetries 8                    RetryBudget 2m (>= 10ms)
//	RetryWaitMin 250ms, Max 8s      RetryAfterCap 1m (>= 1ms)
//
// A Config prints and encodes with its keys as previews; JSON leaves out
// the callbacks, clients and interfaces.
type Config struct {
	// PublishableKey (pk_live_, required) authenticates requests;
	// SecretKey (sk_live_, optional) makes the emitter sign every batch
	// (X-Pecta-Signature) and never travels. For keys that change while
	// the emitter runs (rotation), set Credentials instead: the emitter
	// reads them once per batch, signs a batch again when the server
	// refuses it under keys since replaced, and retries it once.
	PublishableKey, SecretKey pecta.APIKey
	Credentials               *pecta.Credentials `json:"-"`
	// BaseURL defaults to pecta.DefaultBaseURL; http:// is refused for
	// hosts other than loopback unless InsecureHTTP is set.
	BaseURL      string
	InsecureHTTP bool
	// HTTPClient sends the requests (default: the emitter's own, whose
	// idle connections Close closes; a caller's is never closed).
	HTTPClient *http.Client `json:"-"`

	BatchSize     int           // events per request
	FlushInterval time.Duration // the longest an event waits to be sent
	MaxQueueBytes int           // encoded events held and not yet delivered
	Overflow      OverflowPolicy
	// SampleRate is the one sampling setting: 0 samples adaptively, per
	// AgentID, to what the Budget delivers (agents under their fair share
	// keep every event); 1 keeps every valid event; a fraction keeps that
	// share. Events left out are counted as "sampled"; Track returns nil.
	SampleRate float64 `json:",omitempty"`
	// Budget paces requests and grants the sampler its rate (default
	// NewLocalBudget(RequestsPerMinute); telemetry/redisbudget shares one
	// through Redis). RequestsPerMinute is ignored with a Budget.
	Budget            Budget `json:"-"`
	RequestsPerMinute int

	MaxRetries                 int           // after a 429, a 5xx, a timeout or a network error
	RetryBudget                time.Duration // the longest a batch is retried
	RetryAfterCap              time.Duration // caps the server's Retry-After
	RetryWaitMin, RetryWaitMax time.Duration // the jittered exponential backoff
	RequestTimeout             time.Duration // one request

	// Logger receives diagnostics (default: silent, except that a refused
	// key and a spool failure are logged at ERROR to slog.Default()).
	// OnDrop is told about drops, one call per reason with the count since
	// the last; OnError about delivery errors. They run on the emitter's
	// goroutine, never on Track's; their panics are recovered and counted.
	Logger  *slog.Logger     `json:"-"`
	OnDrop  func(DropReport) `json:"-"`
	OnError func(error)      `json:"-"`

	// Spool turns on the disk spool (spool.Open of the telemetry/spool
	// module): batches wait there until delivered, so that a crash, a kill
	// or a restart loses nothing that reached it. The emitter closes it.
	// Past MaxSpoolBytes the Overflow policy applies ("spool_full").
	Spool         Spool `json:"-"`
	MaxSpoolBytes int64 `json:",omitempty"`
}

// ConfigError reports an invalid Config field. It never contains a key.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "telemetry: config: " + e.Field + ": " + e.Reason }
