package rtb

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// DefaultTmaxBufferMS is the tmax guard's default buffer.
const DefaultTmaxBufferMS = 15

// TmaxGuardOptions configure the tmax guard.
type TmaxGuardOptions struct {
	// BufferMS is the time, in milliseconds, that must be left in the tmax
	// window for the other gates to run (default 15). Negative is refused.
	BufferMS float64
}

// TmaxGuard returns the gate "rtb.tmax-guard" of the reference
// (https://docs.pecta.ai/gates/rtb/tmax-guard). It computes the time left,
// tmax - (now - StartedAt), where tmax is Evaluation.TmaxMS or else the
// request's tmax (ours: the reference reads only ctx.tmaxMs; a Go bidder
// has the parsed request at hand). When less than BufferMS is left it is
// skipped, reason "tmax budget exhausted (less than 15ms left)", and ends
// the evaluation: the gates after it are reported skipped. When tmax or
// StartedAt is unknown it cannot measure anything: it is skipped, reason
// "no tmax or startedAt provided", and the evaluation goes on. List it
// first.
func TmaxGuard(o TmaxGuardOptions) (gate.Gate, error) {
	if o.BufferMS < 0 || math.IsNaN(o.BufferMS) || math.IsInf(o.BufferMS, 0) {
		return nil, errors.New("rtb: tmax guard: BufferMS must be a finite number >= 0")
	}
	if o.BufferMS == 0 {
		o.BufferMS = DefaultTmaxBufferMS
	}
	return &tmaxGuard{buffer: o.BufferMS,
		reason: "tmax budget exhausted (less than " + strconv.FormatFloat(o.BufferMS, 'f', -1, 64) + "ms left)"}, nil
}

// ReasonNoTmax is the reason of a tmax guard that has no tmax or no
// StartedAt to measure with.
const ReasonNoTmax = "no tmax or startedAt provided"

type tmaxGuard struct {
	cheap
	buffer float64
	reason string
}

func (*tmaxGuard) Name() string { return NameTmaxGuard }

func (g *tmaxGuard) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	tmax := ev.TmaxMS
	if tmax == 0 {
		if req, _ := views(ev); req != nil {
			tmax = float64(req.TmaxMS)
		}
	}
	if !(tmax > 0) || math.IsInf(tmax, 0) || ev.StartedAt.IsZero() {
		return gate.Skip(ReasonNoTmax)
	}
	elapsed := float64(time.Since(ev.StartedAt)) / 1e6
	if tmax-elapsed < g.buffer {
		return gate.Outcome{Passed: true, Skipped: true, EndPipeline: true, Reason: g.reason}
	}
	return gate.Pass()
}
