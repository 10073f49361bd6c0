package main

import (
	"bufio"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// sample is one result line of `go test -bench`.
type sample struct {
	name   string // "BenchmarkEnqueue/pecta", without the -GOMAXPROCS suffix
	procs  int    // the -GOMAXPROCS suffix; 1 when absent
	iters  int64
	values map[string]float64 // unit -> value
}

// resultSet gathers samples in the order benchmarks first appear.
type resultSet struct {
	order  []string // keys in first-seen order
	pkg    map[string]string
	byKey  map[string][]sample
	cpu    string // the last "cpu:" header seen
	curPkg string
}

func newResultSet() *resultSet {
	return &resultSet{pkg: map[string]string{}, byKey: map[string][]sample{}}
}

// parse reads go test output, keeping benchmark lines and the pkg/cpu
// headers and ignoring everything else (PASS, ok, logs).
func (s *resultSet) parse(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "pkg: "):
			s.curPkg = strings.TrimSpace(strings.TrimPrefix(line, "pkg: "))
		case strings.HasPrefix(line, "cpu: "):
			s.cpu = strings.TrimSpace(strings.TrimPrefix(line, "cpu: "))
		case strings.HasPrefix(line, "Benchmark"):
			smp, ok := parseLine(line)
			if !ok {
				continue
			}
			key := smp.name
			if _, seen := s.byKey[key]; !seen {
				s.order = append(s.order, key)
				s.pkg[key] = s.curPkg
			}
			s.byKey[key] = append(s.byKey[key], smp)
		}
	}
	return sc.Err()
}

// parseLine parses "BenchmarkX/y-8  1000  12.5 ns/op  0 B/op  3 custom/unit".
// It reports false for lines that merely start with "Benchmark" (a test
// log, a benchmark name printed alone before its result).
func parseLine(line string) (sample, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return sample{}, false
	}
	iters, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return sample{}, false
	}
	smp := sample{name: f[0], procs: 1, iters: iters, values: make(map[string]float64, (len(f)-2)/2)}
	if i := strings.LastIndexByte(f[0], '-'); i > 0 {
		if p, err := strconv.Atoi(f[0][i+1:]); err == nil {
			smp.name, smp.procs = f[0][:i], p
		}
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return sample{}, false
		}
		smp.values[f[i+1]] = v
	}
	return smp, true
}

// summary is one benchmark reduced to medians.
type summary struct {
	Name    string             `json:"name"`
	Pkg     string             `json:"pkg,omitempty"`
	Procs   int                `json:"procs"`
	Samples int                `json:"samples"`
	Medians map[string]float64 `json:"medians"`
	// Range is each metric's [min, max] over the samples.
	Range map[string][2]float64 `json:"range,omitempty"`
	// Method says how the figure is taken (see methods in rounds.go).
	Method string `json:"method,omitempty"`
	// VsPecta is this row's median ns/op over the median ns/op of the
	// "pecta" member of its group; absent outside such groups.
	VsPecta *float64 `json:"ratio_vs_pecta,omitempty"`
}

func (s *resultSet) summarize() []summary {
	out := make([]summary, 0, len(s.order))
	idx := map[string]int{}
	for _, key := range s.order {
		smps := s.byKey[key]
		units := map[string][]float64{}
		for _, smp := range smps {
			for u, v := range smp.values {
				units[u] = append(units[u], v)
			}
		}
		sum := summary{Name: key, Pkg: s.pkg[key], Procs: smps[0].procs, Samples: len(smps), Medians: map[string]float64{},
			Method: methodOf(key)}
		if len(smps) > 1 {
			sum.Range = map[string][2]float64{}
		}
		for u, vs := range units {
			sum.Medians[u] = median(vs) // sorts vs
			if sum.Range != nil {
				sum.Range[u] = [2]float64{vs[0], vs[len(vs)-1]}
			}
		}
		idx[key] = len(out)
		out = append(out, sum)
	}
	for i := range out {
		g, ok := group(out[i].Name)
		if !ok {
			continue
		}
		j, ok := idx[g+"/pecta"]
		if !ok {
			continue
		}
		base, okb := out[j].Medians["ns/op"]
		v, okv := out[i].Medians["ns/op"]
		if okb && okv && base > 0 {
			r := v / base
			out[i].VsPecta = &r
		}
	}
	return out
}

// group returns the part of a sub-benchmark's name before its last "/".
func group(name string) (string, bool) {
	i := strings.LastIndexByte(name, '/')
	if i <= 0 {
		return "", false
	}
	return name[:i], true
}

// median of vs (which it sorts); the mean of the middle two for even counts.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	sort.Float64s(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// cpuModel returns the first "model name" of a /proc/cpuinfo file, or "".
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// formatValue prints a median compactly: integers as integers, small
// values with three significant digits.
func formatValue(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100 || v == float64(int64(v)):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
