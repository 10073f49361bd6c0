// Command benchtable turns `go test -bench` output into a Markdown table of
// medians and a machine-readable JSON copy of the figures.
//
// Usage:
//
//	benchtable [-json out.json] [-md out.md] [file ...]
//	benchtable -docs [-check] [-root dir]
//
// With no files it reads standard input. Every file may hold several
// packages and -count repeats; each benchmark's metrics (ns/op, B/op,
// allocs/op and any b.ReportMetric unit) are reduced to their median. Rows
// of a group that has a "pecta" member (BenchmarkEnqueue/pecta, ...) also
// get the ratio of their ns/op to pecta's.
//
// With -docs it reads no benchmark output: it rewrites the generated
// blocks of README.md and docs/*.md from bench/results/latest.json,
// gates.json and high-volume.json (see docs.go), so that the figures in
// the documentation are the ones in the results. Run it from the
// repository's root after bench/run.sh or bench/gates.sh:
//
//	go run ./bench/cmd/benchtable -docs
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

func main() {
	jsonOut := flag.String("json", "", "write the medians and machine info as JSON to this file")
	mdOut := flag.String("md", "", "also write the Markdown table to this file")
	state := flag.String("state", "", "describe the machine's state (load, other work) in the report")
	rounds := flag.Bool("rounds", false, "the input holds interleaved rounds (-count 1 per binary per round): compute ratios round by round")
	docs := flag.Bool("docs", false, "rewrite the figures of README.md and docs/*.md from bench/results/*.json (no input files)")
	check := flag.Bool("check", false, "with -docs: change nothing, fail if a figure differs from the results")
	root := flag.String("root", ".", "with -docs: the repository's root")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: benchtable [-json out.json] [-md out.md] [file ...]\n       benchtable -docs [-check] [-root dir]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *docs {
		stale, err := updateDocs(*root, *check)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		for _, f := range stale {
			if *check {
				fmt.Fprintln(os.Stderr, "benchtable: figures differ from bench/results:", f)
			} else {
				fmt.Fprintln(os.Stderr, "benchtable: updated", f)
			}
		}
		if *check && len(stale) > 0 {
			os.Exit(1)
		}
		return
	}
	if err := run(flag.Args(), *jsonOut, *mdOut, *state, *rounds, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(files []string, jsonOut, mdOut, state string, byRound bool, stdout io.Writer) error {
	set := newResultSet()
	if len(files) == 0 {
		if err := set.parse(os.Stdin); err != nil {
			return fmt.Errorf("stdin: %w", err)
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = set.parse(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	sums := set.summarize()
	if len(sums) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	m := currentMachine(set.cpu)
	m.State = state
	var rounds *resultSet
	if byRound {
		rounds = set
	}
	md := markdown(sums, m, rounds)
	if _, err := io.WriteString(stdout, md); err != nil {
		return err
	}
	if mdOut != "" {
		if err := os.WriteFile(mdOut, []byte(md), 0o644); err != nil {
			return err
		}
	}
	if jsonOut != "" {
		b, err := reportJSON(sums, m, rounds)
		if err != nil {
			return err
		}
		if b, err = keepOtherKeys(jsonOut, b); err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// machine describes where the figures were measured.
type machine struct {
	CPU       string `json:"cpu"`
	BenchCPU  string `json:"bench_cpu,omitempty"` // the "cpu:" line of go test, when it differs
	NProc     int    `json:"nproc"`
	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	Date      string `json:"date"`
	State     string `json:"state,omitempty"` // load and other work during the run
}

func currentMachine(benchCPU string) machine {
	m := machine{
		CPU:       cpuModel("/proc/cpuinfo"),
		NProc:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		GOOS:      runtime.GOOS,
		GOARCH:    runtime.GOARCH,
		Date:      time.Now().UTC().Format(time.RFC3339),
	}
	if m.CPU == "" {
		m.CPU = benchCPU
	} else if benchCPU != "" && benchCPU != m.CPU {
		m.BenchCPU = benchCPU
	}
	return m
}

// keepOtherKeys carries over the top-level keys of the existing file at
// path that the new report does not write (for example "gates", written by
// bench/gates.sh), so that one script does not erase another's figures.
func keepOtherKeys(path string, report []byte) ([]byte, error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return report, nil // no previous file
	}
	var prev, cur map[string]json.RawMessage
	if json.Unmarshal(old, &prev) != nil {
		return report, nil // not ours to repair
	}
	if err := json.Unmarshal(report, &cur); err != nil {
		return nil, err
	}
	added := false
	for k, v := range prev {
		if _, ok := cur[k]; !ok {
			cur[k] = v
			added = true
		}
	}
	// rows another script added to "benchmarks" (they say where they come
	// from in "source") are kept unless this report has the same benchmark
	var prevRows, curRows []map[string]json.RawMessage
	if json.Unmarshal(prev["benchmarks"], &prevRows) == nil && json.Unmarshal(cur["benchmarks"], &curRows) == nil {
		have := map[string]bool{}
		for _, r := range curRows {
			have[string(r["name"])] = true
		}
		for _, r := range prevRows {
			if _, sourced := r["source"]; sourced && !have[string(r["name"])] {
				curRows = append(curRows, r)
				added = true
			}
		}
		if added {
			b, err := json.Marshal(curRows)
			if err != nil {
				return nil, err
			}
			cur["benchmarks"] = b
		}
	}
	if !added {
		return report, nil
	}
	out, err := json.MarshalIndent(cur, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
