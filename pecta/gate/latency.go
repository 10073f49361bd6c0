package gate

import (
	"context"
	"errors"
	"math"
	"strconv"
)

// LatencyOptions configure the latency gate.
type LatencyOptions struct {
	Name  string  // default "latency"
	MaxMS float64 // required: positive and finite
}

// Latency returns a gate that fails when the evaluation's LatencyMS is
// above MaxMS, with the reference's reason (https://docs.pecta.ai/gates/latency):
// "latency 143ms exceeds 100ms threshold", the numbers written as
// JavaScript writes them (143.25, not 143.250). It is skipped, reason "no
// latency_ms provided", when no latency was measured: LatencyMS 0 stands
// for an absent latency_ms (a measured latency is never exactly 0). A
// negative or NaN latency fails ("latency is not a valid number").
func Latency(o LatencyOptions) (Gate, error) {
	if !(o.MaxMS > 0) || math.IsInf(o.MaxMS, 0) {
		return nil, errors.New("pecta/gate: latency: MaxMS must be positive and finite")
	}
	if o.Name == "" {
		o.Name = "latency"
	}
	return &latencyGate{name: o.Name, max: o.MaxMS, suffix: "ms exceeds " + fmtMS(o.MaxMS) + "ms threshold"}, nil
}

type latencyGate struct {
	name   string
	max    float64
	suffix string
}

func (g *latencyGate) Name() string { return g.name }

// Cheap marks the latency gate as a Cheap gate: one comparison.
func (*latencyGate) Cheap() bool { return true }

func (g *latencyGate) Run(_ context.Context, ev *Evaluation) Outcome {
	l := ev.LatencyMS
	switch {
	case l == 0:
		return Skip("no latency_ms provided")
	case math.IsNaN(l) || l < 0:
		return Fail("latency is not a valid number")
	case l > g.max:
		return Fail("latency " + fmtMS(l) + g.suffix)
	}
	return Pass()
}

// fmtMS formats milliseconds as JavaScript's String(number) does: the
// shortest decimal that reads back the same, in exponent form from 1e21.
func fmtMS(v float64) string {
	if math.IsInf(v, 1) {
		return "Infinity"
	}
	if v >= 1e21 {
		s := strconv.FormatFloat(v, 'e', -1, 64) // 1e+21
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
