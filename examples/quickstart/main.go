// Quickstart walks through the Pecta API: register an agent, evaluate a
// clean output and one a gate blocks, send telemetry (signed when a secret
// key is set), then read the agent's reputation, its events and the agent
// list.
//
//	go run ./examples/quickstart
//
// With no configuration it starts an embedded test server. Set
// PECTA_API_KEY (and optionally PECTA_SECRET_KEY, PECTA_BASE_URL) to use a
// real one. It exits non-zero if any call fails, if a verdict is not the
// expected one, if the server accepts fewer events than were sent, or if
// the agent is missing from the agent list.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pecta-ai/pecta-go/examples/internal/demo"
	"github.com/pecta-ai/pecta-go/pecta"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart failed:", err)
		os.Exit(1)
	}
	fmt.Println("\nAll steps succeeded.")
}

func run() error {
	env := demo.Setup(os.Stdout)
	defer env.Close()

	opts := []pecta.Option{pecta.WithBaseURL(env.BaseURL)}
	if env.SecretKey != "" {
		opts = append(opts, pecta.WithSecretKey(env.SecretKey)) // signs ingest bodies
	}
	c, err := pecta.NewClient(env.PublishableKey, opts...)
	if err != nil {
		return err
	}
	fmt.Println("Client:", c) // prints the key as a preview only

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent := fmt.Sprintf("quickstart-agent-%d", time.Now().Unix())

	step("1. Register the agent")
	if _, err := c.Agents.Register(ctx, agent); err != nil {
		return err
	}
	fmt.Printf("   registered %q\n", agent)

	step("2. Evaluate a clean output")
	ok, err := c.Evaluate(ctx, pecta.EvaluateRequest{
		AgentID:   agent,
		Tool:      "shell",
		Output:    map[string]any{"command": "ls -la /tmp/reports"},
		LatencyMS: 12,
	})
	if err != nil {
		return err
	}
	printEval(ok)
	if !ok.Passed {
		return errors.New("the clean output was blocked")
	}

	step("3. Evaluate an output a gate blocks")
	bad, err := c.Evaluate(ctx, pecta.EvaluateRequest{
		AgentID: agent,
		Tool:    "shell",
		Output:  map[string]any{"command": "rm -rf / --no-preserve-root"},
	})
	if err != nil {
		return err
	}
	printEval(bad)
	if bad.Passed {
		return errors.New("the destructive output was not blocked")
	}

	step("4. Send telemetry (signed with the secret key when one is set)")
	events := make([]pecta.Event, 0, 5)
	for i := range 5 {
		events = append(events, pecta.Event{
			AgentID:        agent,
			Tool:           "bid",
			Passed:         i != 3,
			TotalLatencyMS: 2.5 + float64(i),
			Gates: []pecta.GateResult{
				{Name: "pii", Passed: true, LatencyMS: 0.3},
				{Name: "budget", Passed: i != 3, LatencyMS: 0.1, Reason: reason(i != 3)},
			},
			Timestamp: time.Now().UTC(),
		})
	}
	res, err := c.Ingest(ctx, events)
	if err != nil {
		return err
	}
	fmt.Printf("   accepted %d of %d events (signed: %v)\n", res.Accepted, len(events), env.SecretKey != "")
	if res.Accepted != len(events) {
		return fmt.Errorf("only %d of %d events accepted", res.Accepted, len(events))
	}

	step("5. Read the agent's reputation")
	rep, err := c.Reputation(ctx, agent)
	if err != nil {
		return err
	}
	fmt.Printf("   score %d/1000, %s, %d evaluations, pass rate %.0f%%, streak %d\n",
		rep.Score, rep.Status, rep.Evaluations, rep.PassRate*100, rep.Streak)

	step("6. List the agent's latest events")
	page, err := c.Events.List(ctx, pecta.EventListParams{AgentID: agent, Limit: 5})
	if err != nil {
		return err
	}
	for _, e := range page.Events {
		fmt.Printf("   %s  passed=%-5v  %5.1f ms  gates=%d\n", e.CreatedAt.Format(time.RFC3339), e.Passed, e.TotalLatencyMS, len(e.Gates))
	}

	step("7. List agents")
	agents, err := c.Agents.List(ctx)
	if err != nil {
		return err
	}
	for _, a := range agents {
		if a.AgentID == agent {
			fmt.Printf("   %s: %d evaluations, last seen %s\n", a.AgentID, a.EvalCount, a.LastSeen.Format(time.RFC3339))
			return nil
		}
	}
	return fmt.Errorf("agent %q missing from the agent list", agent)
}

func step(s string) { fmt.Println("\n" + s) }

func reason(passed bool) string {
	if passed {
		return ""
	}
	return "bid above budget"
}

func printEval(e *pecta.Evaluation) {
	fmt.Printf("   passed=%v  (%s, %.1f ms)\n", e.Passed, e.EvaluationID, e.TotalLatencyMS)
	for _, g := range e.Gates {
		line := fmt.Sprintf("     %-10s passed=%v", g.Name, g.Passed)
		if g.Reason != "" {
			line += "  reason: " + g.Reason
		}
		fmt.Println(line)
	}
	fmt.Printf("   reputation %d (%s, %d evaluations)\n", e.Reputation.Score, e.Reputation.Lifecycle, e.Reputation.EvalCount)
}
