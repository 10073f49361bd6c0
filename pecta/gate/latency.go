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
// above MaxMS (reason like "latency 143ms exceeds 100ms threshold") and is
// skipped when no latency was measured (LatencyMS 0).
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

func (g *latencyGate) Run(_ context.Context, ev *Evaluation) Outcome {
	l := ev.LatencyMS
	switch {
	case l == 0:
		return Skip("latency not measured")
	case math.IsNaN(l) || l < 0:
		return Fail("latency is not a valid number")
	case l > g.max:
		return Fail("latency " + fmtMS(l) + g.suffix)
	}
	return Pass()
}

// fmtMS formats milliseconds with at most three decimals.
func fmtMS(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
