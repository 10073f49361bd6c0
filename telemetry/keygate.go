package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Bounds of the interval between probes while the key is refused.
const (
	authProbeMin = time.Second
	authProbeMax = time.Minute
)

// keyRejectedError is reported once when the server starts refusing the
// key.
type keyRejectedError struct {
	api     *pecta.APIError
	preview string
	reason  string
	probe   time.Duration
	max     time.Duration
}

func (e *keyRejectedError) Error() string {
	return fmt.Sprintf("telemetry: the server refused key %s (%v): check PublishableKey and SecretKey; "+
		"until a request succeeds, batches are dropped as %q, and one probes the key after %v, then at doubling intervals up to %v",
		e.preview, e.api, e.reason, e.probe, e.max)
}

func (e *keyRejectedError) Unwrap() error        { return e.api }
func (e *keyRejectedError) Is(target error) bool { return target == ErrKeyRejected }

// isKeyRejection reports whether an ingest answer refuses the key rather
// than the batch: every 401 and 403 (auth_*, hmac_*, forbidden).
func isKeyRejection(apiErr *pecta.APIError) bool {
	return apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden
}

// keyGate stops the emitter from sending every batch with a key the server
// refuses. After a 401/403 it lets one batch through per probe interval,
// which doubles from authProbeMin to authProbeMax while the key keeps
// failing; the other batches are dropped unsent with the reason of the last
// refusal. The first success reopens it.
type keyGate struct {
	mu        sync.Mutex
	failing   bool
	refused   atomic.Bool // mirrors failing, for Metrics
	probing   bool        // a probe batch is being sent
	reason    string
	err       error // the error reported when the key started failing
	interval  time.Duration
	nextProbe time.Time
}

// admit is called before a batch is sent. It returns send=true when the
// batch may go out (probe=true if it probes a failing key), or the drop
// reason and error when it must be dropped unsent.
func (g *keyGate) admit(now time.Time) (send, probe bool, reason string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.failing {
		return true, false, "", nil
	}
	if g.probing || now.Before(g.nextProbe) {
		return false, false, g.reason, g.err
	}
	g.probing = true
	return true, true, "", nil
}

// probeDone ends a probe, whatever its outcome.
func (g *keyGate) probeDone() {
	g.mu.Lock()
	g.probing = false
	g.mu.Unlock()
}

// accepted records a 2xx and reports whether the key had been failing.
func (g *keyGate) accepted() (recovered bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	recovered = g.failing
	g.failing, g.err, g.reason = false, nil, ""
	g.refused.Store(false)
	return recovered
}

// onKeyRejected records a 401/403 and returns the error to account the
// batch with, and whether it is the first of a run of refusals (the one
// to report).
func (e *Emitter) onKeyRejected(apiErr *pecta.APIError, reason string) (err error, first bool) {
	g := &e.life.keys
	g.mu.Lock()
	now := time.Now()
	if !g.failing {
		g.failing = true
		g.refused.Store(true)
		g.reason = reason
		g.interval = e.set.authProbeMin
		g.err = &keyRejectedError{api: apiErr, preview: e.keyPreview(), reason: reason, probe: g.interval, max: e.set.authProbeMax}
		first = true
	} else {
		g.reason = reason
		g.interval = min(2*g.interval, e.set.authProbeMax)
	}
	g.nextProbe = now.Add(g.interval)
	err, interval := g.err, g.interval
	g.mu.Unlock()
	if first {
		e.logFatal("telemetry: the server refused the emitter's key; events are being dropped",
			slog.String("key", e.keyPreview()), slog.Int("status", apiErr.StatusCode),
			slog.String("code", apiErr.Code), slog.String("reason", reason),
			slog.Duration("probe_every", interval), slog.String("error", apiErr.Error()))
	} else {
		e.log.Debug("telemetry: key still refused", slog.String("reason", reason),
			slog.Duration("next_probe", interval))
	}
	return err, first
}

// onAccepted reopens the gate after a 2xx.
func (e *Emitter) onAccepted() {
	if e.life.keys.accepted() {
		e.log.Warn("telemetry: the server accepts the key again; delivery resumed",
			slog.String("key", e.keyPreview()))
	}
}

// logFatal logs a condition that makes the emitter useless until someone
// acts (a refused key, a broken configuration). It goes to Config.Logger
// or, when none is set, to slog.Default(), at ERROR level: these are the
// only records the emitter writes without a Logger.
func (e *Emitter) logFatal(msg string, attrs ...slog.Attr) {
	l := e.set.logger
	if l == nil {
		l = slog.Default()
	}
	l.LogAttrs(context.Background(), slog.LevelError, msg, attrs...)
}

// rejectedReason names the drop reason of a refused batch.
func rejectedReason(apiErr *pecta.APIError) string {
	code := apiErr.Code
	if code == "" {
		code = strconv.Itoa(apiErr.StatusCode)
	}
	return reasonRejectedPrefix + code
}

// refusing reports whether the gate would drop a batch unsent at now (the
// key is refused and no probe is due), without starting a probe: the
// sender then takes the batch without asking the budget for a request.
func (g *keyGate) refusing(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failing && (g.probing || now.Before(g.nextProbe))
}

// keyPreview is the preview of the publishable key in force.
func (e *Emitter) keyPreview() string {
	pk, _, _ := e.set.keys.Keys()
	return pk.Preview()
}
