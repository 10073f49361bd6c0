package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func loadSample(t *testing.T) []summary {
	t.Helper()
	f, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set := newResultSet()
	if err := set.parse(f); err != nil {
		t.Fatal(err)
	}
	if set.cpu != "Test CPU @ 3.00GHz" {
		t.Errorf("cpu = %q", set.cpu)
	}
	return set.summarize()
}

func TestSummarize(t *testing.T) {
	sums := loadSample(t)
	byName := map[string]summary{}
	var names []string
	for _, s := range sums {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	wantOrder := "BenchmarkEnqueue/pecta BenchmarkEnqueue/posthog BenchmarkEnqueueParallel/pecta BenchmarkEnqueueParallel/otel BenchmarkEncodeBatch100 BenchmarkPipeline/signed BenchmarkFloor/encode100 BenchmarkFloor/hmac100 BenchmarkFloor/post100 BenchmarkPipeline/unsigned"
	if got := strings.Join(names, " "); got != wantOrder {
		t.Fatalf("benchmarks = %s\nwant        %s", got, wantOrder)
	}
	tests := []struct {
		name, unit string
		want       float64
	}{
		{"BenchmarkEnqueue/pecta", "ns/op", 50},     // median of 40, 60, 50
		{"BenchmarkEnqueue/pecta", "B/op", 0},       // median of 0, 0, 2
		{"BenchmarkEnqueue/pecta", "dropped/op", 0}, // custom metric
		{"BenchmarkEnqueue/posthog", "ns/op", 9500}, // even count: mean of 9000 and 10000
		{"BenchmarkEnqueue/posthog", "B/op", 4220},  // mean of 4200 and 4240
		{"BenchmarkEnqueue/posthog", "allocs/op", 31},
		{"BenchmarkEncodeBatch100", "MB/s", 76.92},
		{"BenchmarkPipeline/signed", "events/s", 1.5e6},
		{"BenchmarkPipeline/signed", "cpu-ns/event", 650},
	}
	for _, tt := range tests {
		s, ok := byName[tt.name]
		if !ok {
			t.Errorf("%s missing", tt.name)
			continue
		}
		if got := s.Medians[tt.unit]; got != tt.want {
			t.Errorf("%s %s = %v, want %v", tt.name, tt.unit, got, tt.want)
		}
	}
	if s := byName["BenchmarkEnqueue/posthog"]; s.Samples != 4 || s.Procs != 2 || s.Pkg != "github.com/pecta-ai/pecta-go/bench/peers" {
		t.Errorf("posthog: samples %d procs %d pkg %q", s.Samples, s.Procs, s.Pkg)
	}
	if s := byName["BenchmarkEncodeBatch100"]; s.Procs != 1 || s.Pkg != "github.com/pecta-ai/pecta-go/bench" {
		t.Errorf("encode: procs %d pkg %q", s.Procs, s.Pkg)
	}
	ratios := map[string]float64{
		"BenchmarkEnqueue/pecta":         1,
		"BenchmarkEnqueue/posthog":       190,
		"BenchmarkEnqueueParallel/otel":  2100 / 25.5,
		"BenchmarkEnqueueParallel/pecta": 1,
	}
	for _, s := range sums {
		want, ok := ratios[s.Name]
		switch {
		case !ok && s.VsPecta != nil:
			t.Errorf("%s: unexpected ratio %v", s.Name, *s.VsPecta)
		case ok && s.VsPecta == nil:
			t.Errorf("%s: no ratio", s.Name)
		case ok && *s.VsPecta != want:
			t.Errorf("%s: ratio %v, want %v", s.Name, *s.VsPecta, want)
		}
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line  string
		ok    bool
		name  string
		procs int
	}{
		{"BenchmarkA-8 10 5 ns/op", true, "BenchmarkA", 8},
		{"BenchmarkA 10 5 ns/op", true, "BenchmarkA", 1},
		{"BenchmarkA/sub-case-16 10 5 ns/op", true, "BenchmarkA/sub-case", 16},
		{"BenchmarkA/x-y 10 5 ns/op", true, "BenchmarkA/x-y", 1},
		{"BenchmarkA", false, "", 0},
		{"BenchmarkA-8 --- FAIL", false, "", 0},
		{"BenchmarkA-8 10 five ns/op", false, "", 0},
		{"BenchmarkA-8 10 5", false, "", 0},
	}
	for _, tt := range tests {
		s, ok := parseLine(tt.line)
		if ok != tt.ok || (ok && (s.name != tt.name || s.procs != tt.procs)) {
			t.Errorf("parseLine(%q) = %q/%d, %v; want %q/%d, %v", tt.line, s.name, s.procs, ok, tt.name, tt.procs, tt.ok)
		}
	}
}

func TestReport(t *testing.T) {
	sums := loadSample(t)
	m := machine{CPU: "Test CPU", NProc: 2, GoVersion: "go1.26", GOOS: "linux", GOARCH: "amd64", Date: "2026-01-01T00:00:00Z"}
	md := markdown(sums, m, nil)
	for _, want := range []string{
		"Machine: Test CPU, 2 CPUs, go1.26 linux/amd64, 2026-01-01T00:00:00Z. Medians of 1-4 runs.",
		"| BenchmarkEnqueue/posthog | 9500 | 4220 | 31 | 190.0x |  |",
		"| BenchmarkEnqueue/pecta | 50 | 0 | 0 | 1.00x | 0 dropped/op |",
		"| BenchmarkPipeline/signed | 1000000000 |  |  |  | 650 cpu-ns/event, 1500000 events/s |",
		"| BenchmarkEncodeBatch100 | 52000 | 0 | 0 |  | 76.9 MB/s |",
		"- BenchmarkPipeline/signed: 650 cpu-ns/event, floor 1500 = 0.43x",
		"- BenchmarkPipeline/unsigned: 2600 cpu-ns/event, floor 1300 = 2.00x",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	b, err := reportJSON(sums, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if back.Machine != m || len(back.Benchmarks) != len(sums) || back.Benchmarks[1].VsPecta == nil || len(back.PipelineCost) != 2 {
		t.Errorf("JSON round trip lost data: %s", b)
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRoundRatios(t *testing.T) {
	in := `pkg: x
BenchmarkTrackHotPath-2 100 30 ns/op
BenchmarkEnqueue/datadog-count-2 100 60 ns/op
BenchmarkFloor/encode100-2 10 1 ns/op 100 cpu-ns/event 1000 B/op
BenchmarkFloor/hmac100-2 10 1 ns/op 50 cpu-ns/event 0 B/op
BenchmarkFloor/post100-pectatest-2 10 1 ns/op 850 cpu-ns/event 29000 B/op
BenchmarkPipeline/signed-2 10 1 ns/op 1100 cpu-ns/event 330 B/op
BenchmarkTrackHotPath-2 100 40 ns/op
BenchmarkEnqueue/datadog-count-2 100 50 ns/op
BenchmarkFloor/encode100-2 10 1 ns/op 100 cpu-ns/event 1000 B/op
BenchmarkFloor/hmac100-2 10 1 ns/op 50 cpu-ns/event 0 B/op
BenchmarkFloor/post100-pectatest-2 10 1 ns/op 850 cpu-ns/event 29000 B/op
BenchmarkPipeline/signed-2 10 1 ns/op 1300 cpu-ns/event 300 B/op
`
	set := newResultSet()
	if err := set.parse(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	ps := set.pairRatios()
	if len(ps) != 1 || ps[0].Ratio.Min != 0.5 || ps[0].Ratio.Max != 0.8 || ps[0].Ratio.Rounds != 2 {
		t.Fatalf("pair ratios = %+v", ps)
	}
	fl := set.roundFloorRatios()
	if len(fl) != 1 || fl[0].RatioSpread.Min != 1.1 || fl[0].RatioSpread.Max != 1.3 || fl[0].BytesRatio.Max != 1.1 {
		t.Fatalf("floor ratios = %+v %+v %+v", fl, fl[0].RatioSpread, fl[0].BytesRatio)
	}
	sums := set.summarize()
	if sums[0].Range["ns/op"] != [2]float64{30, 40} || sums[0].Method == "" {
		t.Fatalf("summary = %+v", sums[0])
	}
}

func TestKeepOtherKeys(t *testing.T) {
	path := t.TempDir() + "/latest.json"
	prev := `{"gates":{"x":1},"benchmarks":[{"name":"BenchmarkSpool","source":"raw/spool.txt"},{"name":"BenchmarkA","medians":{}},{"name":"BenchmarkOld"}]}`
	if err := os.WriteFile(path, []byte(prev), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := keepOtherKeys(path, []byte(`{"benchmarks":[{"name":"BenchmarkA","medians":{"ns/op":1}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Gates      map[string]int `json:"gates"`
		Benchmarks []struct {
			Name string `json:"name"`
		} `json:"benchmarks"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Gates["x"] != 1 || len(got.Benchmarks) != 2 || got.Benchmarks[0].Name != "BenchmarkA" || got.Benchmarks[1].Name != "BenchmarkSpool" {
		t.Fatalf("kept %s", out)
	}
}
