package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// standard units get their own columns; others go to "other metrics".
var standardUnits = map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true}

func markdown(sums []summary, m machine, rounds *resultSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s %s/%s, %s. Medians of %s runs.\n\n",
		m.CPU, m.NProc, m.GoVersion, m.GOOS, m.GOARCH, m.Date, sampleCounts(sums))
	if m.State != "" {
		fmt.Fprintf(&b, "Machine state: %s\n\n", m.State)
	}
	b.WriteString("| benchmark | ns/op | B/op | allocs/op | vs pecta | other metrics |\n")
	b.WriteString("|---|---:|---:|---:|---:|---|\n")
	for _, s := range sums {
		ratio := ""
		if s.VsPecta != nil {
			ratio = fmt.Sprintf("%.1fx", *s.VsPecta)
			if *s.VsPecta < 10 {
				ratio = fmt.Sprintf("%.2fx", *s.VsPecta)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n",
			s.Name, cell(s, "ns/op"), cell(s, "B/op"), cell(s, "allocs/op"), ratio, others(s))
	}
	if rounds != nil {
		if ps := rounds.pairRatios(); len(ps) > 0 {
			b.WriteString("\nSame-run ratios (per interleaved round; median [min-max]):\n\n")
			for _, p := range ps {
				fmt.Fprintf(&b, "- %s: %.2fx [%.2f-%.2f] over %d rounds\n", p.Name, p.Ratio.Median, p.Ratio.Min, p.Ratio.Max, p.Ratio.Rounds)
			}
		}
		if fl := rounds.roundFloorRatios(); len(fl) > 0 {
			b.WriteString("\nPipeline CPU per delivered event against the floor measured in the same round (encode100 on cold data + post100 to the same kind of server + hmac100 for signed pipelines); median [min-max] over rounds:\n\n")
			for _, f := range fl {
				fmt.Fprintf(&b, "- %s: %s cpu-ns/event, floor %s = %.2fx [%.2f-%.2f]", f.Name, formatValue(f.CPUPerEvent), formatValue(f.Floor), f.Ratio, f.RatioSpread.Min, f.RatioSpread.Max)
				if f.BytesRatio != nil {
					fmt.Fprintf(&b, "; allocated bytes/event %.2fx the floor's [%.2f-%.2f]", f.BytesRatio.Median, f.BytesRatio.Min, f.BytesRatio.Max)
				}
				b.WriteString("\n")
			}
			return b.String()
		}
	}
	if fl := floorRatios(sums); len(fl) > 0 {
		b.WriteString("\nPipeline CPU per delivered event against the cost floor (sum of the BenchmarkFloor pieces' cpu-ns/event: encode100 + post100 to the same kind of server + hmac100 for signed pipelines):\n\n")
		for _, f := range fl {
			fmt.Fprintf(&b, "- %s: %s cpu-ns/event, floor %s = %.2fx\n", f.Name, formatValue(f.CPUPerEvent), formatValue(f.Floor), f.Ratio)
		}
	}
	return b.String()
}

// floorRatio compares a pipeline's CPU per delivered event with the floor.
type floorRatio struct {
	Name        string  `json:"name"`
	CPUPerEvent float64 `json:"cpu_ns_per_event"`
	Floor       float64 `json:"floor_cpu_ns_per_event"`
	Ratio       float64 `json:"ratio"`
	// RatioSpread and BytesRatio are computed round by round (see
	// rounds.go) when the input holds interleaved rounds.
	RatioSpread *spread `json:"ratio_per_round,omitempty"`
	BytesRatio  *spread `json:"bytes_per_event_ratio_per_round,omitempty"`
}

// floorRatios pairs each BenchmarkPipeline/* row having cpu-ns/event with
// the floor: BenchmarkFloor/encode100 + the POST to the same kind of server
// (post100-trivial for "trivial" pipelines, else post100-pectatest; plain
// post100 when those are absent), plus hmac100 unless the pipeline's name
// says "unsigned".
func floorRatios(sums []summary) []floorRatio {
	piece := map[string]float64{}
	for _, s := range sums {
		if name, ok := strings.CutPrefix(s.Name, "BenchmarkFloor/"); ok {
			if v, ok := s.Medians["cpu-ns/event"]; ok {
				piece[name] = v
			}
		}
	}
	enc, ok1 := piece["encode100"]
	mac, ok2 := piece["hmac100"]
	if !ok1 || !ok2 {
		return nil
	}
	var out []floorRatio
	for _, s := range sums {
		v, ok := s.Medians["cpu-ns/event"]
		if !ok || !strings.HasPrefix(s.Name, "BenchmarkPipeline/") {
			continue
		}
		postName := "post100-pectatest"
		if strings.Contains(s.Name, "trivial") {
			postName = "post100-trivial"
		}
		post, ok := piece[postName]
		if !ok {
			if post, ok = piece["post100"]; !ok {
				continue
			}
		}
		floor := enc + post
		if !strings.Contains(s.Name, "unsigned") {
			floor += mac
		}
		out = append(out, floorRatio{Name: s.Name, CPUPerEvent: v, Floor: floor, Ratio: v / floor})
	}
	return out
}

func cell(s summary, unit string) string {
	v, ok := s.Medians[unit]
	if !ok {
		return ""
	}
	return formatValue(v)
}

func others(s summary) string {
	var units []string
	for u := range s.Medians {
		if !standardUnits[u] {
			units = append(units, u)
		}
	}
	sort.Strings(units)
	parts := make([]string, len(units))
	for i, u := range units {
		parts[i] = formatValue(s.Medians[u]) + " " + u
	}
	return strings.Join(parts, ", ")
}

// sampleCounts is "10" when every benchmark ran the same number of times,
// else "3-10".
func sampleCounts(sums []summary) string {
	lo, hi := sums[0].Samples, sums[0].Samples
	for _, s := range sums {
		lo, hi = min(lo, s.Samples), max(hi, s.Samples)
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

type report struct {
	Machine      machine      `json:"machine"`
	Method       string       `json:"method,omitempty"`
	Benchmarks   []summary    `json:"benchmarks"`
	PipelineCost []floorRatio `json:"pipeline_vs_floor,omitempty"`
	Anchors      []pairRatio  `json:"same_run_ratios,omitempty"`
}

func reportJSON(sums []summary, m machine, rounds *resultSet) ([]byte, error) {
	r := report{Machine: m, Benchmarks: sums, PipelineCost: floorRatios(sums)}
	if rounds != nil {
		if fl := rounds.roundFloorRatios(); len(fl) > 0 {
			r.PipelineCost = fl
		}
		r.Anchors = rounds.pairRatios()
		r.Method = "Medians of interleaved rounds: each round runs every benchmark binary once (-count 1); " +
			"ratios are taken within a round, then summarised (median, min, max). The machine field's state " +
			"says how busy the machine was."
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
