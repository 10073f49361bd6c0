package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
)

// Errors of the emitter, matched with errors.Is: an invalid event's error
// also wraps the *pecta.ValidationError naming the field, and a refused
// key's (401, 403) the pecta sentinel of the answer.
var (
	ErrClosed       = errors.New("telemetry: emitter closed")
	ErrQueueFull    = errors.New("telemetry: queue full, event dropped")
	ErrInvalidEvent = errors.New("telemetry: invalid event")
	ErrNoSpool      = errors.New("telemetry: no spool configured")
	ErrKeyRejected  = errors.New("telemetry: key rejected by the server")
)

// Drop reasons (Stats.DroppedByReason, DropReport, Metrics). A batch the
// server refused is counted as "rejected:<code>" (Metrics: "rejected").
const (
	ReasonInvalid          = "invalid"           // Track: outside the documented limits
	ReasonSampled          = "sampled"           // Track: left out by sampling
	ReasonQueueFull        = "queue_full"        // the queue bound (either policy)
	ReasonClosed           = "closed"            // Track after Close
	ReasonRejected         = "rejected"          // refused by the server (4xx)
	ReasonRetriesExhausted = "retries_exhausted" // MaxRetries or RetryBudget used up
	ReasonShutdown         = "shutdown"          // Close's deadline came first
	ReasonNotAccepted      = "not_accepted"      // the server accepted fewer than sent
	ReasonSpoolFull        = "spool_full"        // MaxSpoolBytes (either policy)
	ReasonSpoolCorrupt     = "spool_corrupt"     // a spooled batch failed its checksum
)

// reasonRejectedPrefix starts the reason of a batch the server refused:
// "rejected:<code>", or "rejected:<status>" when the answer had no code.
const reasonRejectedPrefix = ReasonRejected + ":"

// maxBatchBytes seals a batch early when its records grow past this size
// (JSON is at most a few times larger, well under the server's body limit).
const maxBatchBytes = 512 << 10

// releasingSend is a sendFunc that calls release once net/http no longer
// reads body (possibly after it returned): clientlink.Client.IngestBatch.
type releasingSend func(ctx context.Context, body []byte, sig string, release func()) (accepted int, err error)

// sendFunc posts one batch body with its signature ("" when unsigned) and
// returns how many events the server accepted.
type sendFunc func(ctx context.Context, body []byte, sig string) (accepted int, err error)

// Emitter batches events in memory and delivers them to POST /v1/ingest in
// the background: New, Track, Close. Its methods are safe for concurrent
// use.
type Emitter struct {
	// The fields every Track writes (a shard, the sampler's counters,
	// queued, act) are padded onto cache lines of their own, so that one
	// core's Track does not invalidate what another core's Track reads.

	set     settings
	send    sendFunc
	sendRel releasingSend // when set, used instead of send (pooled bodies)
	bodies  chan *body    // pool of request bodies
	log     *slog.Logger
	shards  []shard
	mask    uint32
	nop     bool // NewNop: Track does nothing
	closed  atomic.Bool
	chunk   int64 // credit a shard takes from queued at a time

	budget Budget
	paceMu sync.Mutex // one sender at a time waits on the budget

	clock clock // written by the ticker every tick: a line of its own (clock.go)

	kick      chan struct{} // sealed batches are waiting (buffered 1); never sent by Track
	notifyCh  chan struct{} // something to report to callbacks (buffered 1)
	draining  chan struct{} // closed by Close: senders exit when idle
	stopLoop  chan struct{} // closed by Close: the loop and ticker goroutines end
	loopDone  chan struct{}
	clockDone chan struct{}
	senders   sync.WaitGroup
	sendCtx   context.Context
	cancelCtx context.CancelFunc

	_      [cacheLine]byte
	queued atomic.Int64 // bytes not yet delivered (shards, sealed, in flight), plus shard credit
	_      [cacheLine]byte
	// act is set by Track and cleared by the ticker every actSpan ticks;
	// the ticker keeps the clock live while it is set.
	act atomic.Uint32
	// notifyReq asks the ticker to wake the loop (DropOldest evictions).
	notifyReq atomic.Bool
	_         [cacheLine]byte

	// Track-side drops: each counts an event as both tracked and dropped.
	// (queue_full drops are counted per shard, sampled-out events by samp.)
	dropInvalid, dropClosed atomic.Uint64
	_                       [cacheLine]byte

	ticks atomic.Uint64 // ticker wake-ups (tests)

	sealMu sync.Mutex // serialises sealAll
	mu     sync.Mutex // guards the queue and the delivery counters below
	q      queue

	notif notifier // owned by the loop goroutine

	life lifecycle // Flush/Close reporting, refused-key gate, own HTTP client

	sp *spool // nil without a spool (spool.go)

	observers observers // OnRequest (metrics.go)

	samp sampler
}

// New validates cfg and starts the emitter (a *ConfigError names a bad
// field).
func New(cfg Config) (*Emitter, error) {
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	send, own, err := newClientSender(&set)
	if err != nil {
		return nil, err
	}
	e := startEmitter(set, nil, send)
	e.life.ownHTTP = own
	return e, nil
}

// newEmitter starts an emitter around any sender (tests use fakes).
func newEmitter(set settings, send sendFunc) *Emitter {
	return startEmitter(set, send, nil)
}

// startEmitter starts an emitter sending with send, or rel when not nil.
func startEmitter(set settings, send sendFunc, rel releasingSend) *Emitter {
	// four shards per P: two goroutines tracking at once rarely share one
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) {
		n <<= 1
	}
	if send == nil && rel != nil { // for bodies not from the pool (spool.go)
		send = func(ctx context.Context, body []byte, sig string) (int, error) { return rel(ctx, body, sig, nil) }
	}
	e := &Emitter{
		set:       set,
		send:      send,
		sendRel:   rel,
		bodies:    make(chan *body, 4),
		log:       set.logger,
		mask:      uint32(n - 1),
		kick:      make(chan struct{}, 1),
		notifyCh:  make(chan struct{}, 1),
		draining:  make(chan struct{}),
		stopLoop:  make(chan struct{}),
		loopDone:  make(chan struct{}),
		clockDone: make(chan struct{}),
	}
	e.life.closeDone = make(chan struct{})
	e.shards = make([]shard, n)
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.samp.init(set.sampling, set.sampleRate)
	e.budget = set.budget
	e.q.init(set.batchSize, n, set.maxQueueBytes)
	e.chunk = min(16<<10, set.maxQueueBytes/int64(8*max(n, 4)))
	e.sp = newSpool(&set)
	e.attachSpool() // spool.go: queues an earlier process's batches
	e.openArena()   // arena.go: before the shards take batches
	e.q.heap = e.q.arena == nil
	for i := range e.shards {
		e.shards[i].open = e.q.newBatch()
	}
	e.sendCtx, e.cancelCtx = context.WithCancel(context.Background())
	e.notif.init(e)
	if e.sp != nil {
		e.senders.Add(1)
		go e.spooler()
	}
	const senders = 2
	e.senders.Add(senders)
	for range senders {
		go e.sender()
	}
	go e.loop()
	go e.ticker()
	return e
}

// invalidError is what Track returns for an invalid event.
type invalidError struct{ err error }

func (e *invalidError) Error() string        { return "telemetry: track: " + e.err.Error() }
func (e *invalidError) Unwrap() error        { return e.err }
func (e *invalidError) Is(target error) bool { return target == ErrInvalidEvent }

func (e *Emitter) signalNotify() {
	select {
	case e.notifyCh <- struct{}{}:
	default:
	}
}

// NewNop returns an emitter that does nothing and reports nothing, for
// tests and for telemetry turned off.
func NewNop() *Emitter {
	e := &Emitter{nop: true}
	e.closed.Store(true)
	return e
}

// String describes the emitter with its keys as previews.
func (e *Emitter) String() string {
	switch {
	case e == nil:
		return "telemetry.Emitter(nil)"
	case e.nop:
		return "telemetry.Emitter{nop}"
	}
	pk, sk, _ := e.set.keys.Keys()
	s := "telemetry.Emitter{base: " + e.set.baseURL + ", key: " + pk.Preview()
	if !sk.IsZero() {
		s += ", signing: " + sk.Preview()
	}
	if e.closed.Load() {
		s += ", closed"
	}
	return s + "}"
}

// GoString is String.
func (e *Emitter) GoString() string { return e.String() }
