// Command gates is the quick start of the in-process gate engine: it judges
// a few agent outputs with the generic gates (filesystem, pii, content)
// locally, in microseconds, then asks POST /v1/evaluate for the cloud's
// verdict on the same outputs and shows both side by side. It exits
// non-zero if they disagree, or if a call fails.
//
//	go run ./examples/gates
//
// With no configuration it starts an embedded pectatest server, which runs
// the very same gates. Set PECTA_API_KEY (and optionally PECTA_BASE_URL) to
// compare with a real server.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pecta-ai/pecta-go/examples/internal/demo"
	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/gate"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gates:", err)
		os.Exit(1)
	}
}

// outputs are what a few agents produced.
var outputs = []struct {
	tool   string
	output any
}{
	{"summarize", "The quarterly report shows revenue up 12% on last year."},
	{"shell", map[string]any{"cmd": "sudo rm -rf /var/lib/postgres", "why": "free disk space"}},
	{"shell", []any{"cat ../../../home/app/config.yaml"}},
	{"support", map[string]any{"reply": "Sure, write to jane.doe@corp.example.org", "ticket": 4411}},
	{"crm", []string{"customer ssn 078-05-1120"}},
	{"support", "I'm sorry, but I can't help with that request."},
	{"search", map[string]any{}},
	{"support", "I can't help but notice the invoice is paid. Anything else?"},
}

func run() error {
	env := demo.Setup(os.Stdout)
	defer env.Close()
	client, err := pecta.NewClient(env.PublishableKey, pecta.WithBaseURL(env.BaseURL))
	if err != nil {
		return err
	}
	eng, err := gate.NewEngine(gate.CloudGates(), gate.WithTimeout(50*time.Millisecond), gate.WithFailFast(false))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	fmt.Printf("\n%-10s %-8s %-9s %-42s %s\n", "tool", "local", "local µs", "reason (local)", "cloud (POST /v1/evaluate)")
	disagree := 0
	for i, o := range outputs {
		ev := &gate.Evaluation{AgentID: "gates-demo", Tool: o.tool, Output: o.output}
		var res *gate.Result
		var cloud *pecta.Evaluation
		same := false
		// a machine that stalls a side past its 50 ms budget gives a
		// pecta:timeout verdict: ask again (at most 3 times)
		for try := 0; try < 3; try++ {
			if res, err = eng.Evaluate(ctx, ev); err != nil {
				return err
			}
			if cloud, err = client.Evaluate(ctx, pecta.EvaluateRequest{AgentID: "gates-demo", Tool: o.tool, Output: o.output}); err != nil {
				return fmt.Errorf("output %d: %w", i, err)
			}
			if same = agree(res, cloud); same || !(timedOut(res) || cloudTimedOut(cloud)) {
				break
			}
		}
		mark := "same"
		if !same {
			mark = "DIFFERENT: " + verdict(cloud.Passed) + " " + firstCloudReason(cloud)
			disagree++
		}
		fmt.Printf("%-10s %-8s %-9.1f %-42s %s\n", o.tool, verdict(res.Passed), res.TotalLatencyMS*1000, firstReason(res), mark)
	}
	if disagree > 0 {
		return errors.New("the in-process and cloud verdicts disagree on " + fmt.Sprint(disagree) + " outputs")
	}
	fmt.Printf("\nThe in-process engine and POST /v1/evaluate agree on all %d outputs.\n", len(outputs))
	return nil
}

func timedOut(r *gate.Result) bool {
	for _, g := range r.Gates {
		if g.TimedOut() {
			return true
		}
	}
	return false
}

func cloudTimedOut(e *pecta.Evaluation) bool {
	for _, g := range e.Gates {
		if g.Reason == pecta.ReasonTimeout {
			return true
		}
	}
	return false
}

func verdict(passed bool) string {
	if passed {
		return "pass"
	}
	return "FAIL"
}

func firstReason(r *gate.Result) string {
	for _, g := range r.Gates {
		if !g.Passed {
			return g.Name + ": " + g.Reason
		}
	}
	return "-"
}

func firstCloudReason(e *pecta.Evaluation) string {
	for _, g := range e.Gates {
		if !g.Passed {
			return g.Name + ": " + g.Reason
		}
	}
	return "-"
}

// agree reports whether both verdicts, gate by gate, are the same.
func agree(local *gate.Result, cloud *pecta.Evaluation) bool {
	if local.Passed != cloud.Passed || len(local.Gates) != len(cloud.Gates) {
		return false
	}
	for i, g := range local.Gates {
		c := cloud.Gates[i]
		if g.Name != c.Name || g.Passed != c.Passed || g.Reason != c.Reason {
			return false
		}
	}
	return true
}
