package main

// Documentation tables generated from the results files.
//
// README.md and docs/*.md hold blocks of the form
//
//	<!-- benchtable:NAME -->
//	...generated Markdown...
//	<!-- /benchtable:NAME -->
//
// benchtable -docs rewrites every block from bench/results/latest.json
// (bench/run.sh), gates.json (bench/gates.sh) and high-volume.json (the
// fleet runs), so that a figure in the documentation is always the one in
// the results; TestDocsMatchResults fails when a block disagrees with the
// files. The prose around the blocks is written by hand and carries no
// figures.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// resultsDir is where the results files live, relative to the repository root.
const resultsDir = "bench/results"

// Commands that reproduce the figures, as the tables print them.
const (
	cmdRun   = "`bash bench/run.sh`"
	cmdGates = "`bash bench/gates.sh`"
	cmdFleet = "`cd examples/fleet && go run . -procs 4 -qps 20000 -duration 2m -redis local`"
)

// row is one benchmark of a results file.
type row struct {
	Name    string                `json:"name"`
	Samples int                   `json:"samples"`
	Medians map[string]float64    `json:"medians"`
	Range   map[string][2]float64 `json:"range"`
	Source  string                `json:"source"` // set by hand for figures from another run
}

// resultsFile is latest.json or gates.json.
type resultsFile struct {
	Machine    machine      `json:"machine"`
	Benchmarks []row        `json:"benchmarks"`
	Pipeline   []floorRatio `json:"pipeline_vs_floor"`
	Ratios     []pairRatio  `json:"same_run_ratios"`
}

func (f *resultsFile) get(name string) (row, bool) {
	for _, r := range f.Benchmarks {
		if r.Name == name {
			return r, true
		}
	}
	return row{}, false
}

// fleetRun is one side of high-volume.json's fleet_2m.
type fleetRun struct {
	Offered          float64 `json:"offered"`
	Kept             float64 `json:"kept"`
	Delivered        float64 `json:"delivered"`
	DeliveredPerMin  float64 `json:"delivered_per_min"`
	BudgetShare      float64 `json:"budget_share"`
	IngestRequests   float64 `json:"ingest_requests"`
	RateLimited      float64 `json:"rate_limited"`
	EventsPerRequest float64 `json:"events_per_request"`
	WorstPassRatePP  float64 `json:"worst_pass_rate_error_pp"`
	OtherDrops       float64 `json:"drops_other_than_sampled"`
	CloseSecondsMax  float64 `json:"close_seconds_max"`
}

type highVolume struct {
	Machine struct {
		CPU       string `json:"cpu"`
		NProc     int    `json:"nproc"`
		GoVersion string `json:"go_version"`
		Date      string `json:"date"`
		Note      string `json:"note"`
	} `json:"machine"`
	Fleet *struct {
		Server string   `json:"server"`
		Redis  fleetRun `json:"redis"`
		AIMD   fleetRun `json:"aimd"`
	} `json:"fleet_2m"`
}

// results are the three results files.
type results struct {
	latest, gates resultsFile
	hv            highVolume
}

func loadResults(root string) (*results, error) {
	var r results
	for _, f := range []struct {
		name string
		v    any
	}{{"latest.json", &r.latest}, {"gates.json", &r.gates}, {"high-volume.json", &r.hv}} {
		b, err := os.ReadFile(filepath.Join(root, resultsDir, f.name))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, f.v); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return &r, nil
}

// renderers produce the blocks, by name.
var renderers = map[string]func(*results) string{
	"headline": (*results).headline,
	"sources":  (*results).sources,
	"track":    (*results).track,
	"ratios":   (*results).ratios,
	"latency":  (*results).latency,
	"pipeline": (*results).pipeline,
	"peers":    (*results).peers,
	"memory":   (*results).memory,
	"client":   (*results).client,
	"spool":    (*results).spool,
	"gates":    (*results).gatesTable,
	"readers":  (*results).readers,
	"fleet":    (*results).fleet,
}

var blockRE = regexp.MustCompile(`(?s)<!-- benchtable:([a-z-]+) -->\n.*?<!-- /benchtable:([a-z-]+) -->`)

// regenerate returns doc with every block rendered from r.
func regenerate(doc []byte, r *results) ([]byte, error) {
	var err error
	out := blockRE.ReplaceAllFunc(doc, func(m []byte) []byte {
		sub := blockRE.FindSubmatch(m)
		name := string(sub[1])
		if string(sub[2]) != name {
			err = fmt.Errorf("block %q ends as %q", name, sub[2])
			return m
		}
		render, ok := renderers[name]
		if !ok {
			err = fmt.Errorf("unknown block %q", name)
			return m
		}
		return []byte("<!-- benchtable:" + name + " -->\n" + render(r) + "<!-- /benchtable:" + name + " -->")
	})
	return out, err
}

// docFiles lists the Markdown files that may hold blocks.
func docFiles(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	return append([]string{filepath.Join(root, "README.md")}, files...), nil
}

// updateDocs rewrites the blocks of the documentation under root, or with
// check only reports the files whose blocks are stale.
func updateDocs(root string, check bool) (stale []string, err error) {
	r, err := loadResults(root)
	if err != nil {
		return nil, err
	}
	files, err := docFiles(root)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		old, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, err := regenerate(old, r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if bytes.Equal(doc, old) {
			continue
		}
		stale = append(stale, f)
		if !check {
			if err := os.WriteFile(f, doc, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return stale, nil
}

// dur formats nanoseconds for a reader: "11.3 ns", "5.1 µs", "16.5 ms".
func dur(ns float64) string {
	switch {
	case ns < 1e3:
		return sig(ns) + " ns"
	case ns < 1e6:
		return sig(ns/1e3) + " µs"
	case ns < 1e9:
		return sig(ns/1e6) + " ms"
	default:
		return sig(ns/1e9) + " s"
	}
}

// sig prints v with three significant digits, no exponent.
func sig(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100 || a == math.Trunc(a):
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// count prints an integer with thousands separators.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// durSpread is "76.1 ns [58.8–99.3]", the range in the median's unit.
func durSpread(r row, unit string) string {
	v, ok := r.Medians[unit]
	if !ok {
		return ""
	}
	s := dur(v)
	rg, ok := r.Range[unit]
	if !ok {
		return s
	}
	div := 1.0
	switch {
	case strings.HasSuffix(s, " µs"):
		div = 1e3
	case strings.HasSuffix(s, " ms"):
		div = 1e6
	case strings.HasSuffix(s, " s"):
		div = 1e9
	}
	return fmt.Sprintf("%s [%s–%s]", s, sig(rg[0]/div), sig(rg[1]/div))
}

func allocs(r row) string {
	v, ok := r.Medians["allocs/op"]
	if !ok {
		return ""
	}
	return sig(v)
}

func ratio(v float64) string { return fmt.Sprintf("%.2f×", v) }

func spreadText(s spread) string {
	return fmt.Sprintf("%s [%.2f–%.2f] over %d rounds", ratio(s.Median), s.Min, s.Max, s.Rounds)
}

func machineText(m machine) string {
	cpu := m.CPU
	if m.BenchCPU != "" {
		cpu += " (" + m.BenchCPU + ")"
	}
	date := m.Date
	if len(date) >= 10 {
		date = date[:10]
	}
	return fmt.Sprintf("%s, %d CPUs, %s, %s", cpu, m.NProc, m.GoVersion, date)
}

// hostText is "AMD EPYC, 2 CPUs, go1.26.8".
func hostText(m machine) string {
	return fmt.Sprintf("%s, %d CPUs, %s", m.CPU, m.NProc, m.GoVersion)
}

// day is the date part of an RFC 3339 time.
func day(t string) string { return t[:min(10, len(t))] }

// headline is README's table of key figures.
func (r *results) headline() string {
	var b strings.Builder
	b.WriteString("| what | figure | reproduce |\n|---|---|---|\n")
	l := &r.latest
	if so, ok := l.get("BenchmarkTrackSampledOut"); ok {
		fmt.Fprintf(&b, "| `Track`, an event sampled out (most calls at bidder volume) | %s, %s allocs | %s |\n",
			dur(so.Medians["ns/op"]), allocs(so), cmdRun)
	}
	kept, ok1 := l.get("BenchmarkTrackHotPath")
	keptP, ok2 := l.get("BenchmarkTrackHotPathParallel")
	if ok1 && ok2 {
		fmt.Fprintf(&b, "| `Track`, an event kept (3 gates): one goroutine / one per core | %s / %s per event, %s allocs | %s |\n",
			dur(kept.Medians["ns/op"]), dur(keptP.Medians["ns/op"]), allocs(kept), cmdRun)
	}
	var serial, parallel *pairRatio
	for i := range l.Ratios {
		switch l.Ratios[i].Name {
		case "Track kept (serial) vs datadog-go Count":
			serial = &l.Ratios[i]
		case "Track kept (parallel) vs datadog-go Count":
			parallel = &l.Ratios[i]
		}
	}
	if serial != nil && parallel != nil {
		fmt.Fprintf(&b, "| the same against datadog-go's aggregated `Count`, same rounds (below 1: `Track` is faster) | %s / %s | %s |\n",
			ratio(serial.Ratio.Median), ratio(parallel.Ratio.Median), cmdRun)
	}
	if slow, ok := l.get("BenchmarkTrackLatency/slow"); ok {
		fast := ""
		if s, ok := l.get("BenchmarkTrackLatency/sending"); ok {
			fast = fmt.Sprintf(" (%s with a fast server)", dur(s.Medians["p999-ns"]))
		}
		fmt.Fprintf(&b, "| `Track` p99.9 at 20,000 events/s, the queue at its bound behind a slow server | %s%s | %s |\n",
			dur(slow.Medians["p999-ns"]), fast, cmdRun)
	} else if s, ok := l.get("BenchmarkTrackLatency/sending"); ok {
		fmt.Fprintf(&b, "| `Track` p99 / p99.9 while batches are encoded, signed and sent | %s / %s | %s |\n",
			dur(s.Medians["p99-ns"]), dur(s.Medians["p999-ns"]), cmdRun)
	}
	g := &r.gates
	if raw, ok := g.get("BenchmarkGateLatency/rtb-raw"); ok {
		node := ""
		if n, ok := g.get("BenchmarkNodeGates/rtb-raw"); ok {
			if gr, ok := g.get("BenchmarkGateRTB/raw"); ok && gr.Medians["ns/op"] > 0 {
				node = fmt.Sprintf("; %.1f× faster than Node on average", n.Medians["ns/op"]/gr.Medians["ns/op"])
			}
		}
		fmt.Fprintf(&b, "| six RTB gates on a raw bid request and response: p50 / p99 | %s / %s, %s allocs%s | %s |\n",
			dur(raw.Medians["p50-ns"]), dur(raw.Medians["p99-ns"]), allocs(raw), node, cmdGates)
	}
	if f := r.hv.Fleet; f != nil {
		fmt.Fprintf(&b, "| four processes sharing the org's budget through Redis: delivered, 429s | %.1f%% of the budget, %s | %s |\n",
			100*f.Redis.BudgetShare, count(f.Redis.RateLimited), cmdFleet)
	}
	fmt.Fprintf(&b, "\n%s. Taken on %s (`run.sh`), %s (`gates.sh`) and %s (the fleet).\n",
		hostText(l.Machine), day(l.Machine.Date), day(g.Machine.Date), day(r.hv.Machine.Date))
	return b.String()
}

// sources says where each results file's figures come from.
func (r *results) sources() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- `bench/results/latest.json` (%s): %s.", cmdRun, machineText(r.latest.Machine))
	if s := r.latest.Machine.State; s != "" {
		fmt.Fprintf(&b, " Machine state: %s.", strings.TrimRight(strings.TrimSpace(s), " ;."))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- `bench/results/gates.json` (%s): %s.", cmdGates, machineText(r.gates.Machine))
	if s := r.gates.Machine.State; s != "" {
		fmt.Fprintf(&b, " Machine state: %s.", strings.TrimRight(strings.TrimSpace(s), " ;."))
	}
	b.WriteString("\n")
	m := r.hv.Machine
	fmt.Fprintf(&b, "- `bench/results/high-volume.json` (the fleet runs): %s, %d CPUs, %s, %s", m.CPU, m.NProc, m.GoVersion, m.Date[:min(10, len(m.Date))])
	if m.Note != "" {
		fmt.Fprintf(&b, "; %s", m.Note)
	}
	b.WriteString(".\n")
	return b.String()
}

// track is the table of Track's paths.
func (r *results) track() string {
	rows := []struct{ label, serial, parallel string }{
		{"`Track`, event sampled out", "BenchmarkTrackSampledOut", "BenchmarkTrackSampledOutParallel"},
		{"`Track`, event kept (every event kept; the benchmark fails on a drop)", "BenchmarkTrackHotPath", "BenchmarkTrackHotPathParallel"},
		{"`Track`, event kept, `SampleRate: 1`", "BenchmarkTrackHotPathNoSampling", "BenchmarkTrackHotPathNoSamplingParallel"},
		{"`Track`, event refused (queue full)", "BenchmarkTrackDropped", "BenchmarkTrackDroppedParallel"},
		{"`TrackResult`, six-gate RTB result, kept", "BenchmarkTrackResultHotPath", ""},
		{"`TrackResult`, six-gate RTB result, sampled out", "BenchmarkTrackResultSampledOut", ""},
		{"datadog-go v5 aggregated `Count`, UDP loopback (the anchor)", "BenchmarkEnqueue/datadog-count", "BenchmarkEnqueueParallel/datadog-count"},
		{"datadog-go v5 aggregated `Distribution`, UDP loopback", "BenchmarkEnqueue/datadog-distribution", "BenchmarkEnqueueParallel/datadog-distribution"},
	}
	var b strings.Builder
	b.WriteString("| path | one goroutine | one per core | allocs/op |\n|---|---:|---:|---:|\n")
	for _, x := range rows {
		s, ok := r.latest.get(x.serial)
		if !ok {
			continue
		}
		par := ""
		if p, ok := r.latest.get(x.parallel); ok {
			par = durSpread(p, "ns/op")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", x.label, durSpread(s, "ns/op"), par, allocs(s))
	}
	return b.String()
}

// ratios lists the same-round ratios of latest.json.
func (r *results) ratios() string {
	var b strings.Builder
	for _, p := range r.latest.Ratios {
		fmt.Fprintf(&b, "- %s: %s\n", p.Name, spreadText(p.Ratio))
	}
	return b.String()
}

// latency is the table of Track's latency percentiles.
func (r *results) latency() string {
	modes := []struct{ name, label string }{
		{"sending", "batches are encoded, signed and sent (bursts of 100 events every 5 ms)"},
		{"slow", "the server answers after 100 ms; the queue sits at its bound (20,000 events/s, `SampleRate: 1`)"},
		{"stalled", "every request hangs; the queue fills and most calls are refused"},
		{"down", "the server refuses connections; most calls are refused"},
	}
	var b strings.Builder
	b.WriteString("| while | p50 | p99 | p99.9 | p99.9 kept | p99.9 refused | refused |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range modes {
		x, ok := r.latest.get("BenchmarkTrackLatency/" + m.name)
		if !ok {
			continue
		}
		cell := func(unit string) string {
			if _, ok := x.Medians[unit]; !ok {
				return "–"
			}
			return durSpread(x, unit)
		}
		refused := "–"
		if v, ok := x.Medians["refused/event"]; ok {
			refused = fmt.Sprintf("%.1f%%", 100*v)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", m.label,
			dur(x.Medians["p50-ns"]), dur(x.Medians["p99-ns"]), cell("p999-ns"), cell("kept-p999-ns"), cell("refused-p999-ns"), refused)
	}
	return b.String()
}

// pipeline compares the pipeline's CPU per delivered event with the floor.
func (r *results) pipeline() string {
	var b strings.Builder
	b.WriteString("| pipeline | CPU per delivered event | floor | ratio, per round | allocated bytes vs the floor's | events/s |\n|---|---:|---:|---:|---:|---:|\n")
	for _, p := range r.latest.Pipeline {
		sp, by, evs := ratio(p.Ratio), "", ""
		if p.RatioSpread != nil {
			sp = fmt.Sprintf("%s [%.2f–%.2f]", ratio(p.RatioSpread.Median), p.RatioSpread.Min, p.RatioSpread.Max)
		}
		if p.BytesRatio != nil {
			by = ratio(p.BytesRatio.Median)
		}
		if x, ok := r.latest.get(p.Name); ok {
			evs = count(x.Medians["events/s"])
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", strings.TrimPrefix(p.Name, "BenchmarkPipeline/"),
			dur(p.CPUPerEvent), dur(p.Floor), sp, by, evs)
	}
	return b.String()
}

// peers is the enqueue comparison with other SDKs.
func (r *results) peers() string {
	rows := []struct{ label, name string }{
		{"pecta `Track`, every event kept while batches are sent on the same cores (`pecta-kept`)", "pecta-kept"},
		{"pecta `Track`, default 8 MiB queue: once it fills, most events are refused and counted", "pecta"},
		{"datadog-go v5 aggregated `Count`", "datadog-count"},
		{"datadog-go v5 aggregated `Distribution`", "datadog-distribution"},
		{"posthog-go `Enqueue`", "posthog"},
		{"segment analytics-go v3 `Enqueue`", "segment"},
		{"OpenTelemetry span into a `BatchSpanProcessor`", "otel"},
	}
	var b strings.Builder
	b.WriteString("| SDK, call | one goroutine | allocs/op | one per core | allocs/op |\n|---|---:|---:|---:|---:|\n")
	for _, x := range rows {
		s, ok := r.latest.get("BenchmarkEnqueue/" + x.name)
		if !ok {
			continue
		}
		p, _ := r.latest.get("BenchmarkEnqueueParallel/" + x.name)
		pd := ""
		if v, ok := p.Medians["ns/op"]; ok {
			pd = dur(v)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", x.label, dur(s.Medians["ns/op"]), allocs(s), pd, allocs(p))
	}
	return b.String()
}

// memory is the outage memory benchmark.
func (r *results) memory() string {
	x, ok := r.latest.get("BenchmarkOutageMemory")
	if !ok {
		return ""
	}
	return fmt.Sprintf("| queue bound | live heap | heap peak | RSS peak |\n|---:|---:|---:|---:|\n| %s MiB | +%s MiB | +%s MiB | +%s MiB |\n",
		sig(x.Medians["bound-MiB"]), sig(x.Medians["heap-live-MiB"]), sig(x.Medians["heap-peak-MiB"]), sig(x.Medians["rss-peak-MiB"]))
}

// client is the client overhead benchmark.
func (r *results) client() string {
	rows := []struct{ label, name string }{
		{"`Client.Reputation`", "BenchmarkClient/pecta"},
		{"bare `net/http` GET", "BenchmarkClient/nethttp"},
		{"bare `net/http` GET + `encoding/json` decode", "BenchmarkClient/nethttp+json"},
	}
	var b strings.Builder
	b.WriteString("| call | time per call | allocs/call |\n|---|---:|---:|\n")
	for _, x := range rows {
		if s, ok := r.latest.get(x.name); ok {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", x.label, dur(s.Medians["ns/op"]), allocs(s))
		}
	}
	return b.String()
}

// spool lists the spool's figures, which come from separate runs (their
// rows say which in "source").
func (r *results) spool() string {
	var b strings.Builder
	b.WriteString("| benchmark | median | other | allocs/op | source |\n|---|---:|---|---:|---|\n")
	for _, x := range r.latest.Benchmarks {
		if !strings.HasPrefix(x.Name, "BenchmarkTrackSpool") && !strings.HasPrefix(x.Name, "BenchmarkSpool") &&
			!strings.HasPrefix(x.Name, "BenchmarkTrackArena") && !strings.HasPrefix(x.Name, "BenchmarkArenaAppend") {
			continue
		}
		var other []string
		if v, ok := x.Medians["events/s"]; ok {
			other = append(other, count(v)+" events/s")
		}
		if v, ok := x.Medians["%dropped"]; ok && v > 0 {
			other = append(other, fmt.Sprintf("%.0f%% refused", v))
		}
		src := x.Source
		if i := strings.Index(src, " ("); i > 0 {
			src = src[:i]
		}
		if src == "" {
			src = "bench/run.sh"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", strings.TrimPrefix(x.Name, "Benchmark"), dur(x.Medians["ns/op"]),
			strings.Join(other, ", "), allocs(x), src)
	}
	return b.String()
}

// gatesTable compares the Go gates with the same gates in Node.
func (r *results) gatesTable() string {
	rows := []struct{ label, lat, thr, node string }{
		{"six RTB gates, from raw JSON (parse + gates)", "BenchmarkGateLatency/rtb-raw", "BenchmarkGateRTB/raw", "BenchmarkNodeGates/rtb-raw"},
		{"six RTB gates, from filled views", "BenchmarkGateLatency/rtb-views", "BenchmarkGateRTB/views", "BenchmarkNodeGates/rtb-views"},
		{"raw JSON + gates + `TrackResult`", "BenchmarkGateLatency/rtb-raw+track", "BenchmarkGateRTB/raw+track", ""},
		{"generic gates, 2 KB agent output (decoded JSON)", "BenchmarkGateLatency/generic-2k", "BenchmarkGateGeneric/decoded-2k", "BenchmarkNodeGates/generic-2k"},
	}
	g := &r.gates
	var b strings.Builder
	b.WriteString("| case | Go mean | Go p50 | Go p99 | Go p99 unpreempted | allocs/op | Node mean | Node p99 | Node mean / Go mean |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range rows {
		lat, ok := g.get(x.lat)
		if !ok {
			continue
		}
		thr, _ := g.get(x.thr)
		mean := ""
		if v, ok := thr.Medians["ns/op"]; ok {
			mean = dur(v)
		}
		node, nodeP99, faster := "", "", ""
		if n, ok := g.get(x.node); ok {
			node, nodeP99 = dur(n.Medians["ns/op"]), dur(n.Medians["p99-ns"])
			if v := thr.Medians["ns/op"]; v > 0 {
				faster = fmt.Sprintf("%.1f×", n.Medians["ns/op"]/v)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", x.label, mean,
			dur(lat.Medians["p50-ns"]), dur(lat.Medians["p99-ns"]), dur(lat.Medians["clean-p99-ns"]), allocs(lat), node, nodeP99, faster)
	}
	return b.String()
}

// readers compares the JSON readers weighed for the RTB views.
func (r *results) readers() string {
	rows := []struct{ label, name string }{
		{"the shipped one-pass scanner (`rtb.ParseRequest`/`ParseResponse`)", "scanner"},
		{"`valyala/fastjson`, reused parsers", "fastjson"},
		{"`buger/jsonparser`", "jsonparser"},
		{"`encoding/json` into typed structs", "encoding-json"},
	}
	base, ok := r.gates.get("BenchmarkRTBParse/scanner")
	if !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString("| reader | mean | allocs/op | against the scanner |\n|---|---:|---:|---:|\n")
	for _, x := range rows {
		if s, ok := r.gates.get("BenchmarkRTBParse/" + x.name); ok {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", x.label, dur(s.Medians["ns/op"]), allocs(s), ratio(s.Medians["ns/op"]/base.Medians["ns/op"]))
		}
	}
	return b.String()
}

// fleet is the two-minute fleet run of high-volume.json.
func (r *results) fleet() string {
	f := r.hv.Fleet
	if f == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("| figure | with Redis (`-redis local`) | without Redis (AIMD) |\n|---|---:|---:|\n")
	line := func(label string, v func(fleetRun) string) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", label, v(f.Redis), v(f.AIMD))
	}
	line("events offered (4 × 20,000/s × 120 s)", func(x fleetRun) string { return count(x.Offered) })
	line("kept by the samplers", func(x fleetRun) string {
		return fmt.Sprintf("%s (%.2f%%)", count(x.Kept), 100*x.Kept/x.Offered)
	})
	line("delivered per minute, share of the budget", func(x fleetRun) string {
		return fmt.Sprintf("%s (%.1f%%)", count(x.DeliveredPerMin), 100*x.BudgetShare)
	})
	line("ingest requests / answered 429", func(x fleetRun) string {
		return fmt.Sprintf("%s / %s", count(x.IngestRequests), count(x.RateLimited))
	})
	line("events per accepted request", func(x fleetRun) string { return fmt.Sprintf("%.1f", x.EventsPerRequest) })
	line("worst agent's pass rate, delivered against offered", func(x fleetRun) string {
		return fmt.Sprintf("%.2f points apart", x.WorstPassRatePP)
	})
	line("dropped for another reason than sampling", func(x fleetRun) string { return count(x.OtherDrops) })
	line("slowest `Close` (10 s deadline)", func(x fleetRun) string { return fmt.Sprintf("%.2f s", x.CloseSecondsMax) })
	return b.String()
}
