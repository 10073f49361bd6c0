package gate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Target says which value of the evaluation a gate checks.
type Target int

// The values a gate can check.
const (
	TargetOutput Target = iota // Evaluation.Output (the default)
	TargetInput                // Evaluation.Input
)

// MaxSchemaIssues is how many issues SchemaDetails keeps.
const MaxSchemaIssues = 5

// SchemaOptions configure the schema gate.
type SchemaOptions struct {
	Name string // default "schema"
	// Validate checks the value and returns nil when it is valid. Several
	// issues can be returned joined (errors.Join, or any error with an
	// Unwrap() []error method); each leaf error counts as one issue. Use
	// any validator: hand-written checks, go-playground/validator, a JSON
	// Schema library ... ValidateAs adapts a typed function.
	Validate func(v any) error
	Target   Target // default TargetOutput
}

// SchemaDetails is the Details of a failed schema gate. It stays in
// process: issue texts may quote the value.
type SchemaDetails struct {
	Issues []string // the first MaxSchemaIssues issues
	Count  int      // all issues
}

// Schema returns a gate that validates the output (or the input) with
// o.Validate. It fails with the reason the reference gives
// (https://docs.pecta.ai/gates/schema): "schema validation failed (1
// issue): " and the first issue's text, for example "schema validation
// failed (1 issue): seatbid.0.bid.0.price: Number must be greater than 0"
// (2 or more: "(3 issues)"), cut at 500 bytes; the first five issue texts
// go to Details (SchemaDetails). The reason is sent with telemetry: a
// validator's messages must name fields and rules, never the values they
// check. A panic in Validate fails the gate.
func Schema(o SchemaOptions) (Gate, error) {
	if o.Validate == nil {
		return nil, errors.New("pecta/gate: schema: Validate is required")
	}
	if o.Target != TargetOutput && o.Target != TargetInput {
		return nil, errors.New("pecta/gate: schema: unknown Target")
	}
	if o.Name == "" {
		o.Name = "schema"
	}
	return &schemaGate{name: o.Name, validate: o.Validate, target: o.Target}, nil
}

// ValidateAs adapts a validation function of a concrete type to
// SchemaOptions.Validate: a value of another type is an issue.
func ValidateAs[T any](f func(T) error) func(any) error {
	return func(v any) error {
		t, ok := v.(T)
		if !ok {
			var zero T
			return fmt.Errorf("value is %T, want %T", v, zero)
		}
		return f(t)
	}
}

type schemaGate struct {
	name     string
	validate func(any) error
	target   Target
}

func (g *schemaGate) Name() string { return g.name }

func (g *schemaGate) Run(_ context.Context, ev *Evaluation) Outcome {
	v := ev.Output
	if g.target == TargetInput {
		v = ev.Input
	}
	err := g.validate(v)
	if err == nil {
		return Pass()
	}
	d := &SchemaDetails{}
	collectIssues(err, d)
	if d.Count == 0 {
		d.Count = 1
		d.Issues = append(d.Issues, err.Error())
	}
	reason := "schema validation failed (1 issue): " + d.Issues[0]
	if d.Count > 1 {
		reason = "schema validation failed (" + strconv.Itoa(d.Count) + " issues): " + d.Issues[0]
	}
	return Outcome{Reason: cutReason(reason), Details: d}
}

// collectIssues counts the leaf errors of err, in order, with an explicit
// stack: a join nested at any depth is read whole.
func collectIssues(err error, d *SchemaDetails) {
	stack := []error{err}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			errs := j.Unwrap()
			for i := len(errs) - 1; i >= 0; i-- {
				if errs[i] != nil {
					stack = append(stack, errs[i])
				}
			}
			continue
		}
		d.Count++
		if len(d.Issues) < MaxSchemaIssues {
			d.Issues = append(d.Issues, e.Error())
		}
	}
}

// cutReason cuts a reason to the 500 bytes a gate result may carry, on a
// UTF-8 boundary.
func cutReason(s string) string {
	if len(s) <= maxReasonBytes {
		return s
	}
	s = s[:maxReasonBytes]
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				s = s[:i]
			}
			break
		}
	}
	return s
}

// maxReasonBytes bounds a reason (the wire allows 500 characters).
const maxReasonBytes = 500
