package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Errors returned by Track. Every refused event is counted in Stats under
// the reason given in the comment.
var (
	// ErrClosed: the emitter is closed (reason "closed").
	ErrClosed = errors.New("telemetry: emitter closed")
	// ErrQueueFull: the queue bound was reached and the policy dropped this
	// event (reason "queue_full").
	ErrQueueFull = errors.New("telemetry: queue full, event dropped")
	// ErrInvalidEvent is matched (errors.Is) by the error Track returns for
	// an event outside the documented limits (reason "invalid"); errors.As
	// also finds the *pecta.ValidationError naming the field.
	ErrInvalidEvent = errors.New("telemetry: invalid event")
)

// Drop reasons, as used in Stats.DroppedByReason and DropReport.Reason. A
// batch refused by the server is counted as "rejected:<code>", for example
// "rejected:hmac_invalid" (or "rejected:<status>" when the answer had no code).
const (
	ReasonInvalid          = "invalid"           // Track: event outside the limits
	ReasonSampled          = "sampled"           // Track: not kept by SampleRate
	ReasonQueueFull        = "queue_full"        // queue bound reached (either policy)
	ReasonClosed           = "closed"            // Track after Close
	ReasonRetriesExhausted = "retries_exhausted" // MaxRetries or RetryBudget used up
	ReasonShutdown         = "shutdown"          // Close's ctx ended before delivery
	ReasonNotAccepted      = "not_accepted"      // server accepted fewer than sent
	ReasonRejectedPrefix   = "rejected:"         // non-retryable 4xx
)

// maxBatchBytes seals a batch early when its records grow past this size
// (JSON is at most a few times larger, well under the server's body limit).
const maxBatchBytes = 512 << 10

// sendFunc posts one batch body with its signature ("" when unsigned) and
// returns how many events the server accepted.
type sendFunc func(ctx context.Context, body []byte, sig string) (accepted int, err error)

// Emitter batches events in memory and delivers them to POST /v1/ingest in
// the background. Create it with New, feed it with Track, and end it with
// Close. All methods are safe for concurrent use.
type Emitter struct {
	set    settings
	send   sendFunc
	log    *slog.Logger
	shards []shard
	mask   uint32
	closed atomic.Bool
	queued atomic.Int64 // bytes not yet delivered (shards, sealed, in flight), plus shard credit
	chunk  int64        // credit a shard takes from queued at a time

	// Track-side drops: each counts an event as both tracked and dropped.
	// (Sampled-out events are counted by samp.)
	dropInvalid, dropClosed, dropFull atomic.Uint64

	samp   sampler
	budget Budget
	paceMu sync.Mutex // one sender at a time waits on the budget

	sealMu sync.Mutex // serialises sealAll
	mu     sync.Mutex // guards the queue and the delivery counters below
	q      queue

	clock clock

	kick      chan struct{} // a batch was sealed (buffered 1)
	notifyCh  chan struct{} // something to report to callbacks (buffered 1)
	draining  chan struct{} // closed by Close: senders exit when idle
	stopLoop  chan struct{} // closed by Close: the loop goroutine ends
	loopDone  chan struct{}
	clockDone chan struct{}
	senders   sync.WaitGroup
	sendCtx   context.Context
	cancelCtx context.CancelFunc

	notif notifier // owned by the loop goroutine

	life lifecycle // Flush/Close reporting, refused-key gate, own HTTP client

	sp *spool // nil without Config.SpoolDir (spool.go)
}

// shard is one of the buffers Track encodes into, padded to its own cache
// lines.
type shard struct {
	mu       sync.Mutex
	open     *batch // batch being filled
	accepted uint64 // events ever accepted into this shard
	credit   int64  // queue bytes reserved by this shard and not yet used
	_        [96]byte
}

// New validates cfg, applies its defaults and starts the emitter's
// goroutines. An invalid cfg gives a *ConfigError naming the field.
func New(cfg Config) (*Emitter, error) {
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	send, own, err := newClientSender(&set)
	if err != nil {
		return nil, err
	}
	if err := openSpool(&set); err != nil { // spool.go
		if own != nil {
			own.CloseIdleConnections()
		}
		return nil, err
	}
	e := newEmitter(set, send)
	e.life.ownHTTP = own
	return e, nil
}

// newEmitter starts an emitter around any sender (tests use fakes).
func newEmitter(set settings, send sendFunc) *Emitter {
	n := 1
	for n < runtime.GOMAXPROCS(0)*4 {
		n <<= 1
	}
	e := &Emitter{
		set:       set,
		send:      send,
		log:       set.logger,
		shards:    make([]shard, n),
		mask:      uint32(n - 1),
		kick:      make(chan struct{}, 1),
		notifyCh:  make(chan struct{}, 1),
		draining:  make(chan struct{}),
		stopLoop:  make(chan struct{}),
		loopDone:  make(chan struct{}),
		clockDone: make(chan struct{}),
	}
	e.life.closeDone = make(chan struct{})
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.samp.init(set.sampling, set.sampleRate)
	e.budget = set.budget
	e.q.init(set.batchSize, n, set.maxQueueBytes)
	e.chunk = min(16<<10, set.maxQueueBytes/int64(8*n))
	e.clock.init()
	for i := range e.shards {
		e.shards[i].open = e.q.newBatch()
	}
	e.sendCtx, e.cancelCtx = context.WithCancel(context.Background())
	e.notif.init(e)
	e.attachSpool() // spool.go: replays an earlier process's batches
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
	go func() {
		defer close(e.clockDone)
		e.clock.run(e.stopLoop)
	}()
	return e
}

// Track encodes ev into the emitter's queue and returns at once: it never
// blocks on the network, the flusher or a full queue, and allocates nothing
// in steady state. The caller may reuse ev as soon as Track returns. A zero
// ev.Timestamp is stamped with the current time (ev itself is not modified).
//
// Sampling (Config.SampleRate, or adaptive sampling by default) decides
// first: an event sampled out is counted under "sampled" and not validated.
//
// It returns nil when the event was queued or sampled out, ErrClosed after
// Close, ErrQueueFull when the queue bound dropped it, and an error matching
// ErrInvalidEvent (and wrapping *pecta.ValidationError) for an event outside
// the documented limits. Every refused event is counted in Stats.
func (e *Emitter) Track(ev *pecta.Event) error {
	if e.closed.Load() {
		e.dropClosed.Add(1)
		return ErrClosed
	}
	// The one point where an event may be left out before it costs
	// anything more: the sampling decision (sampler.go), made before the
	// event is validated or copied.
	if ev != nil && !e.keep(ev) {
		return nil
	}
	if err := ev.Validate(); err != nil {
		e.dropInvalid.Add(1)
		return &invalidError{err}
	}
	var sec int64
	var nsec uint32
	if ev.Timestamp.IsZero() {
		sec, nsec = e.clock.now()
	} else {
		sec, nsec = ev.Timestamp.Unix(), uint32(ev.Timestamp.Nanosecond())
	}

	s := e.lockShard()
	if e.closed.Load() { // Close seals shards after setting closed
		s.mu.Unlock()
		e.dropClosed.Add(1)
		return ErrClosed
	}
	b := s.open
	mark := len(b.rec)
	b.rec = appendRecord(b.rec, ev, sec, nsec)
	size := int64(len(b.rec) - mark)
	if s.credit >= size {
		s.credit -= size // the common case: no shared cache line touched
	} else if !e.reserve(s, size) {
		b.rec = b.rec[:mark]
		s.mu.Unlock()
		e.dropFull.Add(1)
		return ErrQueueFull
	}
	b.n++
	b.bytes += size
	s.accepted++
	if b.n >= e.set.batchSize || len(b.rec) >= maxBatchBytes {
		e.seal(s)
	}
	s.mu.Unlock()
	return nil
}

// lockShard returns a locked shard, preferring one nobody holds.
func (e *Emitter) lockShard() *shard {
	i := rand.Uint32()
	for k := uint32(0); k <= e.mask; k++ {
		s := &e.shards[(i+k)&e.mask]
		if s.mu.TryLock() {
			return s
		}
	}
	s := &e.shards[i&e.mask]
	s.mu.Lock()
	return s
}

// invalidError is what Track returns for an invalid event.
type invalidError struct{ err error }

func (e *invalidError) Error() string        { return "telemetry: track: " + e.err.Error() }
func (e *invalidError) Unwrap() error        { return e.err }
func (e *invalidError) Is(target error) bool { return target == ErrInvalidEvent }

// reserve charges size bytes to the queue bound for shard s, taking a
// chunk of credit from the shared counter so that most calls to Track touch
// only their shard. It applies the overflow policy when the bound is
// reached and reports whether the bytes were reserved. The caller holds
// s.mu.
func (e *Emitter) reserve(s *shard, size int64) bool {
	need := size - s.credit
	if e.queued.Add(need+e.chunk) <= e.set.maxQueueBytes {
		s.credit = e.chunk
		return true
	}
	e.queued.Add(-e.chunk) // no room for a chunk: take just what is needed
	if e.queued.Load() <= e.set.maxQueueBytes || e.makeRoom() {
		s.credit = 0
		return true
	}
	e.queued.Add(-need)
	return false
}

// makeRoom applies DropOldest when the byte bound is exceeded: it discards
// the oldest sealed batches not in flight until the queue fits again. It
// reports whether the bound now holds. The caller holds a shard lock.
func (e *Emitter) makeRoom() bool {
	if e.set.overflow != DropOldest {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.queued.Load()-e.q.listBytes > e.set.maxQueueBytes {
		// evicting every queued batch would still not make room (the rest
		// is in flight or in open batches): drop only the new event
		return false
	}
	for e.queued.Load() > e.set.maxQueueBytes {
		b := e.q.popHead()
		if b == nil {
			return false
		}
		e.queued.Add(-b.bytes)
		e.q.drop(ReasonQueueFull, uint64(b.n), nil)
		e.q.completed(b)
		e.q.recycle(b)
	}
	e.signalNotify()
	return true
}

// seal moves shard s's open batch to the send queue and gives s a fresh
// one. The caller holds s.mu.
func (e *Emitter) seal(s *shard) {
	e.mu.Lock()
	e.q.push(s.open)
	s.open = e.q.newBatch()
	e.mu.Unlock()
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// sealAll seals every non-empty shard, merging partial batches so that
// small ones do not each cost a request. It returns the sequence number of
// the last batch queued.
func (e *Emitter) sealAll() uint64 {
	e.sealMu.Lock()
	defer e.sealMu.Unlock()
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.Lock()
		if s.open.n > 0 {
			e.mu.Lock()
			s.open = e.q.merge(s.open, e.set.batchSize)
			e.mu.Unlock()
		}
		s.mu.Unlock()
	}
	e.mu.Lock()
	e.q.sealTail()
	last := e.q.lastSeq
	e.mu.Unlock()
	select {
	case e.kick <- struct{}{}:
	default:
	}
	return last
}

func (e *Emitter) signalNotify() {
	select {
	case e.notifyCh <- struct{}{}:
	default:
	}
}
