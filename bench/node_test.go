package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"testing"
)

// BenchmarkNodeGates runs the JavaScript equivalent of the gates
// (bench/node/gates.js, on Node from the machine's packages: @pecta/core
// is not on npm) on the same fixtures, in a node child process of this
// benchmark run, so that Go and Node are measured side by side under the
// same load. One op is one evaluation inside node; node's own per-op
// timings give p50-ns, p99-ns and p999-ns. Compare with BenchmarkGateRTB
// (raw, views) and BenchmarkGateGeneric/decoded-2k. Skipped without node.
func BenchmarkNodeGates(b *testing.B) {
	nodePath, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node is not installed")
	}
	n := startNode(b, nodePath)
	for _, name := range []string{"rtb-raw", "rtb-views", "generic-2k"} {
		b.Run(name, func(b *testing.B) {
			b.ResetTimer()
			r := n.run(b, name, b.N)
			b.StopTimer()
			if !r.Passed {
				b.Fatal("node gates failed on the fixtures")
			}
			b.ReportMetric(r.P50, "p50-ns")
			b.ReportMetric(r.P99, "p99-ns")
			b.ReportMetric(r.P999, "p999-ns")
		})
	}
}

type nodeChild struct {
	stdin io.WriteCloser
	out   *bufio.Scanner
}

type nodeResult struct {
	NS, P50, P99, P999 float64
	Passed             bool
	Error              string
}

func startNode(b *testing.B, nodePath string) *nodeChild {
	cmd := exec.Command(nodePath, "node/gates.js")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close() // node exits at the end of its input
		_ = cmd.Wait()
	})
	n := &nodeChild{stdin: stdin, out: bufio.NewScanner(stdout)}
	n.run(b, "warm", 0) // JIT warm-up, before any timer runs
	return n
}

func (n *nodeChild) run(b *testing.B, name string, ops int) nodeResult {
	if _, err := fmt.Fprintf(n.stdin, "%s %d\n", name, ops); err != nil {
		b.Fatal(err)
	}
	if !n.out.Scan() {
		b.Fatalf("node: no answer: %v", n.out.Err())
	}
	var r nodeResult
	if err := json.Unmarshal(n.out.Bytes(), &r); err != nil || r.Error != "" {
		b.Fatalf("node: %v %s: %s", err, r.Error, n.out.Text())
	}
	return r
}
