package gate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
// o.Validate. It fails with a reason like "output does not match schema (3
// issues)", which carries no payload; the issue texts, which may, go to
// Details (SchemaDetails). A panic in Validate fails the gate.
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
	what := "output"
	if o.Target == TargetInput {
		what = "input"
	}
	return &schemaGate{name: o.Name, validate: o.Validate, target: o.Target, what: what}, nil
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
	what     string
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
	collectIssues(err, d, 0)
	if d.Count == 0 {
		d.Count = 1
		d.Issues = append(d.Issues, err.Error())
	}
	issues := " (1 issue)"
	if d.Count > 1 {
		issues = " (" + strconv.Itoa(d.Count) + " issues)"
	}
	return Outcome{Reason: g.what + " does not match schema" + issues, Details: d}
}

// collectIssues counts the leaf errors of err.
func collectIssues(err error, d *SchemaDetails, depth int) {
	if j, ok := err.(interface{ Unwrap() []error }); ok && depth < maxDepth {
		for _, e := range j.Unwrap() {
			if e != nil {
				collectIssues(e, d, depth+1)
			}
		}
		return
	}
	d.Count++
	if len(d.Issues) < MaxSchemaIssues {
		d.Issues = append(d.Issues, err.Error())
	}
}
