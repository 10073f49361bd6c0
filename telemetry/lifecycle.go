package telemetry

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// lifecycle is the emitter's state for reporting losses (Flush, Close),
// the refused-key gate, unconfirmed deliveries and its own HTTP client.
type lifecycle struct {
	keys keyGate

	// ownHTTP is the HTTP client the emitter built (nil when the caller
	// supplied one): Close closes its idle connections.
	ownHTTP *http.Client

	// closeDone is closed when the first Close has finished; closeErr is
	// then its outcome, returned to every Close.
	closeDone chan struct{}
	closeErr  error
	// closeDeadline: Close's ctx has a deadline (written before draining
	// is closed, read after)
	closeDeadline bool

	// guarded by Emitter.mu
	unconfirmed         uint64
	unconfirmedReported bool
	lastDropErr         error    // the error behind the most recent queue-side drop
	flushMark           dropMark // queue-side drops reported by a Flush
}

// dropMark is a snapshot of the queue-side drop counters.
type dropMark struct {
	total    uint64
	byReason map[string]uint64
}

// markLocked snapshots the queue-side drops. The caller holds e.mu.
func (e *Emitter) markLocked() dropMark {
	return dropMark{total: e.q.dropTotal, byReason: maps.Clone(e.q.dropped)}
}

// since returns the drops counted after m, by reason.
func (m dropMark) since(now dropMark) (uint64, map[string]uint64) {
	by := make(map[string]uint64)
	for r, n := range now.byReason {
		if d := n - m.byReason[r]; d > 0 {
			by[r] = d
		}
	}
	return now.total - m.total, by
}

// errNilContext is returned by Flush and Close for a nil ctx, as the pecta
// client does, instead of a panic.
func errNilContext(op string) error { return errors.New("telemetry: " + op + ": nil context") }

// UndeliveredError is returned by Flush (drops since the previous Flush)
// and Close (every drop of the emitter's life) when events Track had
// accepted were dropped instead of delivered.
type UndeliveredError struct {
	Op       string            // "flush" or "close"
	Events   uint64            // events dropped
	ByReason map[string]uint64 // Events split by drop reason
	Err      error             // ctx's error when it ended the wait, else nil
	Last     error             // the delivery error behind the most recent drop, if any
}

func (e *UndeliveredError) Error() string {
	var b strings.Builder
	b.WriteString("telemetry: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(strconv.FormatUint(e.Events, 10))
	b.WriteString(" events undelivered")
	if len(e.ByReason) > 0 {
		b.WriteString(" (")
		for i, r := range slices.Sorted(maps.Keys(e.ByReason)) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %d", r, e.ByReason[r])
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Last != nil {
		b.WriteString("; last error: ")
		b.WriteString(e.Last.Error())
	}
	return b.String()
}

// Unwrap returns ctx's error and the last delivery error, those not nil.
func (e *UndeliveredError) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Last != nil {
		errs = append(errs, e.Last)
	}
	return errs
}
