package main

import (
	"sort"
	"strings"
)

// The figures of bench/run.sh come from interleaved rounds: each round runs
// every benchmark binary once (-count 1), so the i-th sample of any two
// benchmarks was taken minutes apart at most, under the same machine load.
// Ratios are therefore computed round by round and then summarised
// (median, min, max), never as a ratio of medians taken at different times.

// methods says how each benchmark's figure is taken, by name prefix (the
// longest matching prefix wins).
var methods = map[string]string{
	"BenchmarkTrackHotPath":                   "Track's kept path alone, serial loop: every event is kept (the benchmark fails on a drop); the senders recycle batches without encoding or sending; the loop yields every 16384 events; ns per kept event.",
	"BenchmarkTrackHotPathParallel":           "Track's kept path alone under b.RunParallel (GOMAXPROCS goroutines): every event kept (checked); ns = wall time per kept event.",
	"BenchmarkTrackHotPathNoSampling":         "BenchmarkTrackHotPath with adaptive sampling off (SampleRate 1): every event kept (checked); the difference is the cost of the sampling decision.",
	"BenchmarkTrackHotPathNoSamplingParallel": "BenchmarkTrackHotPathParallel with adaptive sampling off: every event kept (checked).",
	"BenchmarkTrackDropped":                   "Track's drop path alone, serial: the queue is full and the senders stalled before the timer starts; every timed call returns ErrQueueFull (checked).",
	"BenchmarkTrackDroppedParallel":           "Track's drop path alone under b.RunParallel: every timed call returns ErrQueueFull (checked).",
	"BenchmarkTrackSampledOut":                "Track's sampled-out path: a fixed SampleRate of 1e-12, so every call returns after the sampling decision (checked).",
	"BenchmarkTrackResultHotPath":             "TrackResult (the bidder's call) with a six-gate RTB gate.Result, every event kept (checked), as BenchmarkTrackHotPath.",
	"BenchmarkTrackResultSampledOut":          "TrackResult with a six-gate RTB gate.Result, every call sampled out (checked): the sampling decision comes before the event is built.",
	"BenchmarkTrack":                          "Track to a loopback HTTP sink with signing, as fast as the loop goes: a mix of kept and refused events (%dropped says how many).",
	"BenchmarkTrackLatency/sending":           "Per-call Track latency (time.Now around each call) while batches are encoded, signed and sent to pectatest in another process; bursts of 100 events every 5 ms; every event kept.",
	"BenchmarkTrackLatency/slow":              "Per-call Track latency at 20,000 events/s (one goroutine, bursts of 100 every 5 ms, SampleRate 1, unpaced) while the server answers after 100 ms: the queue sits at its bound, and calls it cannot hold are refused (refused/event).",
	"BenchmarkTrackLatency/stalled":           "Per-call Track latency while every request hangs in the server: the queue fills, then most calls are refusals (refused/event); kept-p999-ns and refused-p999-ns split the two paths.",
	"BenchmarkTrackLatency/down":              "Per-call Track latency while the server refuses connections: most calls are refusals (refused/event); kept-p999-ns and refused-p999-ns split the two paths.",
	"BenchmarkPipeline":                       "One op = one event delivered from Track to a loopback server process (Close included); cpu-ns/event is this process's getrusage CPU per delivered event.",
	"BenchmarkFloor/encode100":                "JSON encoding of 100 events per op from a ring of 65536 distinct events (cold data: larger than the caches, distinct timestamps).",
	"BenchmarkFloor/hmac100":                  "HMAC-SHA256 of one 100-event body per op.",
	"BenchmarkFloor/post100":                  "One HTTP POST of a 100-event body per op with a plain net/http client.",
	"BenchmarkEnqueue/":                       "One goroutine hands the test event to each SDK while its background delivery runs on the other cores; ns per call.",
	"BenchmarkEnqueueParallel/":               "BenchmarkEnqueue under b.RunParallel (GOMAXPROCS goroutines).",
	"BenchmarkEnqueue/datadog":                "datadog-go v5 DogStatsD client, client-side aggregation, UDP to a loopback socket: one Count (or Distribution) per call; the fast anchor.",
	"BenchmarkEnqueueParallel/datadog":        "datadog-go v5 aggregated Count (or Distribution) under b.RunParallel, UDP to a loopback socket.",
}

func methodOf(name string) string {
	best := ""
	for p := range methods {
		if strings.HasPrefix(name, p) && len(p) > len(best) {
			best = p
		}
	}
	return methods[best]
}

// spread is the median and extremes of per-round values.
type spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Rounds int     `json:"rounds"`
}

func spreadOf(vs []float64) spread {
	if len(vs) == 0 {
		return spread{}
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	return spread{Median: median(append([]float64(nil), s...)), Min: s[0], Max: s[len(s)-1], Rounds: len(s)}
}

// pairRatio is a ratio of two benchmarks' metric, taken round by round.
type pairRatio struct {
	Name  string `json:"name"`
	Num   string `json:"numerator"`
	Den   string `json:"denominator"`
	Unit  string `json:"unit"`
	Ratio spread `json:"ratio"`
}

// anchorPairs are the same-run comparisons the README quotes.
var anchorPairs = []struct{ name, num, den, unit string }{
	{"Track kept (serial) vs datadog-go Count", "BenchmarkTrackHotPath", "BenchmarkEnqueue/datadog-count", "ns/op"},
	{"Track kept (parallel) vs datadog-go Count", "BenchmarkTrackHotPathParallel", "BenchmarkEnqueueParallel/datadog-count", "ns/op"},
	{"Track kept (serial) vs datadog-go Distribution", "BenchmarkTrackHotPath", "BenchmarkEnqueue/datadog-distribution", "ns/op"},
	{"Track kept (parallel) vs datadog-go Distribution", "BenchmarkTrackHotPathParallel", "BenchmarkEnqueueParallel/datadog-distribution", "ns/op"},
}

// values returns the per-round values of name's unit, in round order.
func (s *resultSet) values(name, unit string) []float64 {
	var out []float64
	for _, smp := range s.byKey[name] {
		v, ok := smp.values[unit]
		if !ok {
			return nil
		}
		out = append(out, v)
	}
	return out
}

func (s *resultSet) pairRatios() []pairRatio {
	var out []pairRatio
	for _, p := range anchorPairs {
		num, den := s.values(p.num, p.unit), s.values(p.den, p.unit)
		n := min(len(num), len(den))
		if n == 0 {
			continue
		}
		rs := make([]float64, 0, n)
		for i := range n {
			if den[i] > 0 {
				rs = append(rs, num[i]/den[i])
			}
		}
		out = append(out, pairRatio{Name: p.name, Num: p.num, Den: p.den, Unit: p.unit, Ratio: spreadOf(rs)})
	}
	return out
}

// roundFloorRatios is floorRatios computed round by round: each round's
// pipeline cpu-ns/event over that round's floor, and the same for bytes
// allocated per event (the floor's B/op are per 100-event op).
func (s *resultSet) roundFloorRatios() []floorRatio {
	enc, mac := s.values("BenchmarkFloor/encode100", "cpu-ns/event"), s.values("BenchmarkFloor/hmac100", "cpu-ns/event")
	encB, macB := s.values("BenchmarkFloor/encode100", "B/op"), s.values("BenchmarkFloor/hmac100", "B/op")
	if len(enc) == 0 || len(mac) == 0 {
		return nil
	}
	var out []floorRatio
	for _, key := range s.order {
		if !strings.HasPrefix(key, "BenchmarkPipeline/") {
			continue
		}
		cpu, bop := s.values(key, "cpu-ns/event"), s.values(key, "B/op")
		postName := "BenchmarkFloor/post100-pectatest"
		if strings.Contains(key, "trivial") {
			postName = "BenchmarkFloor/post100-trivial"
		}
		post, postB := s.values(postName, "cpu-ns/event"), s.values(postName, "B/op")
		signed := !strings.Contains(key, "unsigned")
		n := min(len(cpu), len(enc), len(mac), len(post))
		var cr, br, floors []float64
		for i := range n {
			floor := enc[i] + post[i]
			if signed {
				floor += mac[i]
			}
			floors = append(floors, floor)
			cr = append(cr, cpu[i]/floor)
			if i < len(bop) && i < len(encB) && i < len(postB) && i < len(macB) {
				fb := encB[i] + postB[i]
				if signed {
					fb += macB[i]
				}
				if fb > 0 {
					br = append(br, bop[i]/(fb/100))
				}
			}
		}
		if len(cr) == 0 {
			continue
		}
		fr := floorRatio{Name: key, CPUPerEvent: median(append([]float64(nil), cpu...)),
			Floor: median(floors), Ratio: median(append([]float64(nil), cr...))}
		sp := spreadOf(cr)
		fr.RatioSpread = &sp
		if len(br) > 0 {
			bs := spreadOf(br)
			fr.BytesRatio = &bs
		}
		out = append(out, fr)
	}
	return out
}
