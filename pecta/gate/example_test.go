package gate_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

func Example() {
	eng, err := gate.NewEngine(gate.CloudGates(), gate.WithFailFast(false)) // budget: 50 ms
	if err != nil {
		panic(err)
	}
	for _, out := range []any{
		"The report is ready.",
		map[string]any{"cmd": "rm -rf /var/lib/app"},
		[]string{"reach me at jane@corp.io"},
		"As an AI language model, I can't help with that.",
	} {
		res, _ := eng.Evaluate(context.Background(), &gate.Evaluation{AgentID: "agent-7", Output: out})
		fmt.Print(res.Passed)
		for _, g := range res.Gates {
			if !g.Passed {
				fmt.Printf(" %s: %s", g.Name, g.Reason)
			}
		}
		fmt.Println()
	}
	// Output:
	// true
	// false filesystem: destructive rm command
	// false pii: email address detected
	// false content: refusal detected
}

func ExampleSchema() {
	type answer struct{ Score int }
	schema, _ := gate.Schema(gate.SchemaOptions{Validate: gate.ValidateAs(func(a answer) error {
		if a.Score < 0 || a.Score > 100 {
			return errors.New("score: out of 0..100")
		}
		return nil
	})})
	eng, _ := gate.NewEngine([]gate.Gate{schema})
	res, _ := eng.Evaluate(context.Background(), &gate.Evaluation{AgentID: "agent-7", Output: answer{Score: 140}})
	fmt.Println(res.Gates[0].Reason)
	fmt.Println(res.Gates[0].Details.(*gate.SchemaDetails).Issues)
	// Output:
	// schema validation failed (1 issue): score: out of 0..100
	// [score: out of 0..100]
}

func ExampleMayBlock() {
	lookup := gate.MayBlock(gate.Named("blocklist", func(ctx context.Context, ev *gate.Evaluation) gate.Outcome {
		select {
		case <-ctx.Done(): // a remote lookup that never answers
			return gate.Fail("lookup cancelled")
		case <-make(chan struct{}):
			return gate.Pass()
		}
	}))
	eng, _ := gate.NewEngine([]gate.Gate{lookup}, gate.WithTimeout(5*time.Millisecond))
	res, _ := eng.Evaluate(context.Background(), &gate.Evaluation{AgentID: "agent-7", Output: "x"})
	fmt.Println(res.Passed, res.Gates[0].Reason)
	// Output: false pecta:timeout
}

func ExampleResult_Event() {
	eng, _ := gate.NewEngine([]gate.Gate{gate.PII(gate.PIIOptions{})})
	res, _ := eng.Evaluate(context.Background(), &gate.Evaluation{AgentID: "agent-7", Tool: "reply", Output: "ssn 123-45-6789"})
	ev := res.Event() // what telemetry sends: no input, output or details
	fmt.Println(ev.AgentID, ev.Tool, ev.Passed, ev.Gates[0].Name, ev.Gates[0].Reason)
	// Output: agent-7 reply false pii US social security number detected
}
