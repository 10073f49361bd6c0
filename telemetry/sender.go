package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/pecta-ai/pecta-go/internal/retry"
	"github.com/pecta-ai/pecta-go/pecta"
)

// sendBuffers are one sender's encoding state.
type sendBuffers struct {
	enc     recordEncoder
	bodyCap int // for bodies built outside the pool (spool.go)
	sig     []byte
	keys    batchKeys // the keys batches are signed with now (keys.go)
	src     keySource
}

// initialBodyCap fits a full batch of typical events.
const initialBodyCap = 32 << 10

// maxPooledBody: larger bodies are left to the GC.
const maxPooledBody = 1 << 20

func (e *Emitter) newSendBuffers() *sendBuffers {
	buf := &sendBuffers{bodyCap: initialBodyCap, src: e.set.keys}
	buf.keys.refresh(buf.src)
	return buf
}

// encode appends the body of a batch of records rec to dst (a new buffer
// when dst is nil) and signs it: once, over exactly the bytes sent; every
// retry reuses both.
func (buf *sendBuffers) encode(rec, dst []byte) (body []byte, sig string) {
	if dst == nil {
		dst = make([]byte, 0, buf.bodyCap)
	}
	body = append(dst, `{"events":[`...)
	body = buf.enc.appendJSON(body, rec)
	body = append(body, "]}"...)
	buf.bodyCap = max(initialBodyCap, len(body)+len(body)/8)
	buf.keys.refresh(buf.src)
	return body, buf.sign(body)
}

// sign returns body's signature under the keys of buf.keys, "" when
// batches are unsigned.
func (buf *sendBuffers) sign(body []byte) string {
	if buf.keys.signer == nil {
		return ""
	}
	buf.sig = buf.keys.signer.AppendSign(buf.sig[:0], body)
	return string(buf.sig)
}

// body is a request body from the emitter's pool. net/http may still read
// a body after the response arrived (a server that answers before reading
// it), so a body goes back to the pool only when every attempt's request
// released it (see clientlink.Client.IngestBatch) and deliver is done with it.
type body struct {
	buf       []byte
	refs      atomic.Int32
	pool      chan *body
	releaseFn func() // b.release, bound once
}

func (b *body) release() {
	if b.refs.Add(-1) == 0 {
		if cap(b.buf) > maxPooledBody {
			return
		}
		select {
		case b.pool <- b:
		default: // pool full: left to the GC
		}
	}
}

// getBody returns an empty body from the pool, or a new one, held once.
func (e *Emitter) getBody() *body {
	var b *body
	select {
	case b = <-e.bodies:
	default:
		b = &body{buf: make([]byte, 0, initialBodyCap), pool: e.bodies}
		b.releaseFn = b.release
	}
	b.buf = b.buf[:0]
	b.refs.Store(1)
	return b
}

// sendBatch sends body for batch b in one attempt. With a sender that
// reports when net/http is done with the body, each attempt holds b's
// pooled body until then.
func (e *Emitter) sendBatch(ctx context.Context, b *batch, body []byte, sig string) (int, error) {
	if e.sendRel == nil || b.body == nil { // b.body is nil for a body not from the pool (spool.go)
		return e.send(ctx, body, sig)
	}
	b.body.refs.Add(1)
	return e.sendRel(ctx, body, sig, b.body.releaseFn)
}

// sender delivers sealed batches one at a time until Close.
func (e *Emitter) sender() {
	defer e.senders.Done()
	buf := e.newSendBuffers()
	if e.sp != nil { // spool.go
		e.spoolSender(buf)
		return
	}
	for {
		b := e.next()
		if b == nil {
			return
		}
		e.deliver(b, buf)
	}
}

// next waits for a sealed batch, waits for the budget to allow a request,
// and moves the batch in flight, topped up to a full batch from the ones
// queued behind it. It returns nil when the emitter is draining and the
// queue is empty, or aborted.
//
// One sender at a time waits on the budget, and only once a batch is
// waiting, so a request the budget grants is never left unused (with a
// shared budget it would be lost to the whole organisation), and the batch
// is taken when the request can go, as full as the queue allows then.
func (e *Emitter) next() *batch {
	for {
		if e.sendCtx.Err() != nil {
			return nil // Close's deadline passed: Close drops what is queued
		}
		e.mu.Lock()
		e.collect() // batches Track sealed
		waiting := e.q.list.len() > 0
		e.mu.Unlock()
		if waiting {
			if b := e.takePaced(); b != nil {
				return b
			}
			continue
		}
		if !e.idle(e.kick, e.draining, func() bool { return e.q.list.len() == 0 }) {
			return nil
		}
	}
}

// takePaced waits for the budget and takes a batch, or returns nil when
// the queue emptied meanwhile or the emitter was aborted.
func (e *Emitter) takePaced() *batch {
	e.paceMu.Lock()
	defer e.paceMu.Unlock()
	e.mu.Lock()
	waiting := e.q.list.len() > 0
	e.mu.Unlock()
	if !waiting { // the other sender took it while we queued for paceMu
		return nil
	}
	// a batch the key gate will drop unsent needs no request
	paced := !e.life.keys.refusing(time.Now())
	if paced && e.budget.Wait(e.sendCtx) != nil {
		return nil
	}
	e.mu.Lock()
	short := e.q.queuedEvents < uint64(e.set.batchSize)
	e.mu.Unlock()
	if short {
		// the request may go: fill it with what the shards hold too
		e.sealAll()
	}
	e.mu.Lock()
	e.collect()
	b := e.q.takeFull(e.set.batchSize)
	more := e.q.list.len() > 0
	e.mu.Unlock()
	if b == nil {
		return nil
	}
	b.paced = paced
	if more { // let the other sender help
		select {
		case e.kick <- struct{}{}:
		default:
		}
	}
	return b
}

// outcome of one batch.
type outcome struct {
	accepted    int    // events the server accepted
	reason      string // drop reason for the others, "" when all were accepted
	err         error
	quiet       bool // err was already reported (a key still refused): count only
	unconfirmed bool // a 2xx that did not confirm a count: see Stats.Unconfirmed
}

// deliver sends b until it is accepted, rejected, out of retries or the
// emitter is aborted, then accounts for it.
func (e *Emitter) deliver(b *batch, buf *sendBuffers) {
	if e.send == nil { // benchmarks of the hot path alone
		e.account(b, outcome{accepted: b.n})
		return
	}
	if err := e.sendCtx.Err(); err != nil { // Close's deadline passed
		e.account(b, outcome{reason: ReasonShutdown, err: err})
		return
	}
	send, probe, reason, err := e.life.keys.admit(time.Now())
	if !send { // the server refuses the key: drop unsent until a probe succeeds
		e.account(b, outcome{reason: reason, err: err, quiet: true})
		return
	}
	if probe {
		defer e.life.keys.probeDone()
	}
	bb := e.getBody()
	body, sig := buf.encode(b.rec, bb.buf)
	bb.buf = body
	b.body = bb
	out := e.attempts(b, body, sig, buf)
	b.body = nil
	bb.release()
	e.account(b, out)
}

// attempts sends body, signed sig under buf.keys, until it is accepted,
// refused, out of retries or the emitter is aborted.
func (e *Emitter) attempts(b *batch, body []byte, sig string, buf *sendBuffers) outcome {
	policy := retry.Policy{MinWait: e.set.retryWaitMin, MaxWait: e.set.retryWaitMax, RetryAfterCap: e.set.retryAfterCap}
	start := time.Now()
	rekeyed := false
	for attempt := 0; ; attempt++ {
		if attempt > 0 || !b.paced { // next paced the first attempt
			if err := e.budget.Wait(e.sendCtx); err != nil {
				return outcome{reason: ReasonShutdown, err: ErrClosed}
			}
		}
		ctx, cancel := context.WithTimeout(e.sendCtx, e.set.requestTimeout)
		sent := time.Now()
		accepted, err := e.sendBatch(ctx, b, body, sig)
		cancel()
		e.observe(time.Since(sent), b.n, err)
		if err == nil {
			e.q.m.lastAccepted.Store(time.Now().UnixNano())
			e.onAccepted()
			e.budget.Observe(false, 0)
			if accepted > b.n { // an answer about some other request?
				return outcome{accepted: b.n, unconfirmed: true,
					err: fmt.Errorf("telemetry: ingest: the server said it accepted %d of %d events", accepted, b.n)}
			}
			return outcome{accepted: accepted}
		}
		if e.sendCtx.Err() != nil {
			return outcome{reason: ReasonShutdown, err: err}
		}
		var apiErr *pecta.APIError
		var respErr *pecta.ResponseError
		var retryAfter time.Duration
		switch {
		case errors.As(err, &respErr):
			// a 2xx whose body we could not read: the batch was taken,
			// but nothing confirms how much of it
			e.onAccepted()
			return outcome{accepted: b.n, unconfirmed: true, err: fmt.Errorf("telemetry: ingest: %w", err)}
		case errors.As(err, &apiErr):
			switch {
			case apiErr.StatusCode == http.StatusTooManyRequests:
				e.q.m.limited.Add(1)
				retryAfter = apiErr.RetryAfter
				if retryAfter <= 0 {
					retryAfter = policy.Delay(attempt, 0)
				}
				retryAfter = min(retryAfter, e.set.retryAfterCap)
				e.budget.Observe(true, retryAfter) // pauses every sender
			case apiErr.StatusCode >= 500, apiErr.StatusCode == http.StatusRequestTimeout:
			case isKeyRejection(apiErr) && !rekeyed && buf.keys.refresh(buf.src):
				// refused under keys that have since been replaced
				// (rotation): once more with the current ones, the body
				// unchanged, signed again with the current secret
				rekeyed = true
				sig = buf.sign(body)
				continue
			case isKeyRejection(apiErr):
				reason := rejectedReason(apiErr)
				kerr, first := e.onKeyRejected(apiErr, reason)
				return outcome{reason: reason, err: kerr, quiet: !first}
			default:
				return outcome{reason: rejectedReason(apiErr), err: err}
			}
		}
		// retryable: 429, 5xx, timeouts, resets, refused connections;
		// once Close started with a deadline, the deadline is the limit
		delay := policy.Delay(attempt, retryAfter)
		if !e.closing() && (attempt >= e.set.maxRetries || time.Since(start)+delay > e.set.retryBudget) {
			return outcome{reason: ReasonRetriesExhausted, err: err}
		}
		e.mu.Lock()
		e.q.retries++
		e.q.m.retries.Add(1)
		e.q.lastErr = err
		e.mu.Unlock()
		e.log.Debug("telemetry: ingest failed, retrying",
			slog.Int("events", b.n), slog.Int("attempt", attempt+1),
			slog.Duration("wait", delay), slog.String("error", err.Error()))
		if apiErr == nil || apiErr.StatusCode != http.StatusTooManyRequests {
			// a 429 already paused the budget for every sender
			if e.retryWait(delay) != nil {
				return outcome{reason: ReasonShutdown, err: err}
			}
		}
	}
}

// closeRetryWait is the longest wait between two attempts of a batch once
// Close has started: a server that comes back within Close's deadline gets
// the backlog within about this long, instead of after the backoff the
// batch was in (up to RetryWaitMax).
const closeRetryWait = 250 * time.Millisecond

// closing reports whether Close has started with a deadline, which then
// bounds the retries instead of MaxRetries and RetryBudget.
func (e *Emitter) closing() bool {
	select {
	case <-e.draining:
		return e.life.closeDeadline
	default:
		return false
	}
}

// retryWait waits d before the next attempt of a batch, cut short to
// closeRetryWait when Close starts, or until the emitter is aborted.
func (e *Emitter) retryWait(d time.Duration) error {
	select {
	case <-e.draining:
		d = min(d, closeRetryWait)
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-e.sendCtx.Done():
		return e.sendCtx.Err()
	case <-e.draining: // Close started during the wait
		return retry.Sleep(e.sendCtx, min(d, closeRetryWait))
	}
}

// account records the outcome of b and recycles it.
func (e *Emitter) account(b *batch, out outcome) {
	accepted := uint64(min(max(out.accepted, 0), b.n))
	reason := out.reason
	if reason == "" && accepted < uint64(b.n) {
		reason = ReasonNotAccepted
		out.err = fmt.Errorf("telemetry: server accepted %d of %d events", accepted, b.n)
	}
	if out.reason != "" {
		accepted = 0
	}
	report := out.err != nil && !out.quiet
	e.mu.Lock()
	e.queued.Add(-b.bytes)
	e.q.finish(b)
	if out.unconfirmed {
		e.life.unconfirmed += accepted
		e.q.m.unconfirmed.Add(accepted)
		report = !e.life.unconfirmedReported // once per emitter: Stats counts the rest
		e.life.unconfirmedReported = true
	} else {
		e.q.sent += accepted
		e.q.m.sent.Add(accepted)
	}
	if out.reason == "" {
		e.q.batches++
		e.q.m.batches.Add(1)
	}
	e.q.drop(reason, uint64(b.n)-accepted, out.err)
	if reason != "" {
		e.life.lastDropErr = out.err
	}
	if out.err != nil {
		e.q.lastErr = out.err
		if report && len(e.q.pendErrs) < 16 {
			e.q.pendErrs = append(e.q.pendErrs, out.err)
		}
	}
	dropped := uint64(b.n) - accepted
	e.q.recycle(b) // b may be reused by Track from here on: read nothing of it
	e.mu.Unlock()
	switch {
	case reason != "" && (out.quiet || errors.Is(out.err, ErrKeyRejected)):
		// a refused key is logged once, at ERROR, by onKeyRejected
		e.log.Debug("telemetry: events dropped", slog.String("reason", reason),
			slog.Uint64("events", dropped))
	case reason != "":
		e.log.Warn("telemetry: events dropped", slog.String("reason", reason),
			slog.Uint64("events", dropped), slog.Any("error", out.err))
	case out.unconfirmed && report:
		e.log.Warn("telemetry: ingest answered 2xx without a valid count; counting the batch as unconfirmed (reported once)",
			slog.Uint64("events", accepted), slog.Any("error", out.err))
	}
	if reason != "" || out.err != nil { // else nothing to report: wake nobody
		e.signalNotify()
	}
}
