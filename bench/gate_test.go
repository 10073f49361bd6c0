package bench

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// The gate benchmarks time every operation (time.Now around it, ~20-40 ns of
// clock reads included) and report the distribution as p50-ns, p99-ns and
// p999-ns next to the mean (ns/op). Fixtures are in testdata/: a bid
// request of 2.4 KB (3 imps, bcat of 20, badv, site, device, user, ext),
// a response of 1.3 KB (2 bids with adomain and cat), and a 2 KB agent
// output (a JSON incident summary). bench/node/gates.js runs the same
// fixtures through equivalent JavaScript gates (BenchmarkNodeGates).

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// gateOp returns the op of a gate benchmark case: rtb-raw, rtb-views,
// rtb-raw+track (which needs a server process) or generic-2k.
func gateOp(b *testing.B, name string) func() {
	ctx := context.Background()
	switch name {
	case "generic-2k":
		var decoded any
		if err := json.Unmarshal(readFixture(b, "agent-output-2k.json"), &decoded); err != nil {
			b.Fatal(err)
		}
		eng, err := gate.NewEngine(gate.CloudGates(), gate.WithTimeout(time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		ev := gate.Evaluation{AgentID: "agent-42", Tool: "summarize", Output: decoded}
		var res gate.Result
		return func() {
			if err := eng.EvaluateInto(ctx, &ev, &res); err != nil || !res.Passed {
				b.Fatalf("gates failed: %v %+v", err, res.Gates)
			}
		}
	}
	reqJSON, respJSON := readFixture(b, "rtb-request.json"), readFixture(b, "rtb-response.json")
	eng := rtbBenchEngine(b)
	var req rtb.Request
	var resp rtb.Response
	var res gate.Result
	ev := gate.Evaluation{AgentID: "agent-42", Tool: "bid", Input: &req, Output: &resp}
	if err := rtb.ParseRequest(reqJSON, &req); err != nil {
		b.Fatal(err)
	}
	if err := rtb.ParseResponse(respJSON, &resp); err != nil {
		b.Fatal(err)
	}
	ureq, ubids := userStructs(&req, &resp)
	var em *telemetry.Emitter
	if name == "rtb-raw+track" {
		em = newEmitter(b, startChild(b), true, telemetry.Config{})
		b.Cleanup(func() { _, _ = closeEmitter(em, 5*time.Second) })
	}
	return func() {
		if name == "rtb-views" {
			fillViews(&ureq, ubids, &req, &resp)
		} else if rtb.ParseRequest(reqJSON, &req) != nil || rtb.ParseResponse(respJSON, &resp) != nil {
			b.Fatal("parse failed")
		}
		ev.StartedAt = time.Now()
		if err := eng.EvaluateInto(ctx, &ev, &res); err != nil || !res.Passed {
			b.Fatalf("gates failed: %v %+v", err, res.Gates)
		}
		if em != nil {
			if err := em.TrackResult(&res); err != nil && !errors.Is(err, telemetry.ErrQueueFull) {
				b.Fatal(err)
			}
		}
	}
}

// userStructs copies the views into the bidder's own structs.
func userStructs(req *rtb.Request, resp *rtb.Response) (userRequest, []userBid) {
	u := userRequest{ID: req.ID, TMax: req.TmaxMS, BCat: slices.Clone(req.Bcat), BAdv: slices.Clone(req.Badv), Cat: slices.Clone(req.Cat)}
	for _, imp := range req.Imps {
		u.Imps = append(u.Imps, struct {
			ID    string
			Floor float64
		}{imp.ID, imp.BidFloor})
	}
	var bids []userBid
	for _, bd := range resp.Bids {
		bids = append(bids, userBid{ImpID: bd.ImpID, Price: bd.Price, ADomain: slices.Clone(bd.Adomain), Cat: slices.Clone(bd.Cat)})
	}
	return u, bids
}

// BenchmarkGateLatency measures the latency distribution of the gate cases
// on a machine shared with other work. Each op is timed, and the OS
// thread's involuntary context switches are read (getrusage
// RUSAGE_THREAD, outside the timed region) before and after it: an op
// during which the OS preempted the thread is counted in preempted/op and
// left out of the clean-* percentiles, which are the code's own latency.
// p50-ns, p99-ns and p999-ns cover every op. ns/op includes the two
// getrusage calls per op: use BenchmarkGateRTB and BenchmarkGateGeneric
// for the cost.
func BenchmarkGateLatency(b *testing.B) {
	for _, name := range []string{"rtb-raw", "rtb-views", "rtb-raw+track", "generic-2k"} {
		b.Run(name, func(b *testing.B) {
			op := gateOp(b, name)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			all, clean := newLatencies(b.N), newLatencies(b.N)
			preempted := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				sw := threadSwitches()
				t0 := time.Now()
				op()
				d := time.Since(t0)
				all.add(i, d)
				if sw >= 0 && threadSwitches() != sw {
					preempted++
				} else {
					clean.add(i, d)
				}
			}
			b.StopTimer()
			all.report(b)
			slices.Sort(clean.d)
			b.ReportMetric(float64(percentile(clean.d, 0.50)), "clean-p50-ns")
			b.ReportMetric(float64(percentile(clean.d, 0.99)), "clean-p99-ns")
			b.ReportMetric(float64(percentile(clean.d, 0.999)), "clean-p999-ns")
			b.ReportMetric(float64(preempted)/float64(b.N), "preempted/op")
		})
	}
}

// latencies records per-op durations in a ring and reports percentiles.
type latencies struct{ d []int64 }

func newLatencies(n int) *latencies { return &latencies{d: make([]int64, 0, min(n, 1<<21))} }

func (l *latencies) add(i int, d time.Duration) {
	if len(l.d) < cap(l.d) {
		l.d = append(l.d, int64(d))
	} else {
		l.d[i%len(l.d)] = int64(d)
	}
}

func (l *latencies) report(b *testing.B) {
	slices.Sort(l.d)
	b.ReportMetric(float64(percentile(l.d, 0.50)), "p50-ns")
	b.ReportMetric(float64(percentile(l.d, 0.99)), "p99-ns")
	b.ReportMetric(float64(percentile(l.d, 0.999)), "p999-ns")
}

func rtbBenchEngine(tb testing.TB) *gate.Engine {
	tb.Helper()
	gates, err := rtb.Gates(rtb.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	// A budget no op reaches: on a shared machine a descheduled process
	// (seconds, at worst, in our runs) must not turn an op into a timeout.
	e, err := gate.NewEngine(gates, gate.WithTimeout(time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// userBid and userRequest stand for a bidder's own OpenRTB structs.
type userBid struct {
	ImpID, Seat string
	Price       float64
	ADomain     []string
	Cat         []string
}

type userRequest struct {
	ID   string
	TMax int64
	Imps []struct {
		ID    string
		Floor float64
	}
	BCat   []string
	BAdv   []string
	COPPA  int
	Cat    []string
	Bundle string
}

// BenchmarkGateRTB runs the six RTB gates through the engine on the
// fixtures (3 imps, 2 bids, bcat of 20, adomain):
//
//   - raw: ParseRequest + ParseResponse of the raw JSON, then the gates.
//   - views: the views filled from the bidder's own structs, then the gates.
//   - raw+track: raw, then Emitter.TrackResult to an emitter sending to a
//     pectatest server in another process.
func BenchmarkGateRTB(b *testing.B) {
	reqJSON, respJSON := readFixture(b, "rtb-request.json"), readFixture(b, "rtb-response.json")
	ctx := context.Background()
	for _, mode := range []string{"raw", "views", "raw+track"} {
		b.Run(mode, func(b *testing.B) {
			eng := rtbBenchEngine(b)
			var req rtb.Request
			var resp rtb.Response
			var res gate.Result
			ev := gate.Evaluation{AgentID: "agent-42", Tool: "bid", Input: &req, Output: &resp}

			// the bidder's structs, decoded once from the same fixtures
			if err := rtb.ParseRequest(reqJSON, &req); err != nil {
				b.Fatal(err)
			}
			if err := rtb.ParseResponse(respJSON, &resp); err != nil {
				b.Fatal(err)
			}
			ureq, ubids := userStructs(&req, &resp)

			var em *telemetry.Emitter
			if mode == "raw+track" {
				em = newEmitter(b, startChild(b), true, telemetry.Config{})
			}
			lat := newLatencies(b.N)
			var refused int
			b.ReportAllocs()
			if mode != "views" {
				b.SetBytes(int64(len(reqJSON) + len(respJSON)))
			}
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if mode == "views" {
					fillViews(&ureq, ubids, &req, &resp)
				} else {
					if err := rtb.ParseRequest(reqJSON, &req); err != nil {
						b.Fatal(err)
					}
					if err := rtb.ParseResponse(respJSON, &resp); err != nil {
						b.Fatal(err)
					}
				}
				ev.StartedAt = t0
				if err := eng.EvaluateInto(ctx, &ev, &res); err != nil {
					b.Fatal(err)
				}
				if em != nil {
					if err := em.TrackResult(&res); err != nil {
						if !errors.Is(err, telemetry.ErrQueueFull) {
							b.Fatal(err)
						}
						refused++
					}
				}
				lat.add(i, time.Since(t0))
				if !res.Passed && !res.Gates[0].Skipped {
					b.Fatalf("gates failed: %+v", res.Gates)
				}
			}
			b.StopTimer()
			lat.report(b)
			if em != nil {
				b.ReportMetric(float64(refused)/float64(b.N), "refused/op")
				_, _ = closeEmitter(em, 5*time.Second)
			}
		})
	}
}

// fillViews copies the bidder's structs into the views (slices are shared,
// not copied), as a bidder that decoded the request itself would.
func fillViews(u *userRequest, bids []userBid, req *rtb.Request, resp *rtb.Response) {
	req.Reset()
	req.ID, req.TmaxMS, req.Bcat, req.Badv, req.COPPA, req.Cat, req.Bundle = u.ID, u.TMax, u.BCat, u.BAdv, u.COPPA == 1, u.Cat, u.Bundle
	for _, imp := range u.Imps {
		req.Imps = append(req.Imps, rtb.Imp{ID: imp.ID, BidFloor: imp.Floor})
	}
	resp.Reset()
	for i := range bids {
		bd := &bids[i]
		resp.Bids = append(resp.Bids, rtb.Bid{ImpID: bd.ImpID, Price: bd.Price, Adomain: bd.ADomain, Cat: bd.Cat})
	}
}

// BenchmarkGateGeneric runs the generic cloud gates (filesystem, pii,
// content) through the engine on the 2 KB agent output, as the decoded
// JSON value (map[string]any) and as one 2 KB string.
func BenchmarkGateGeneric(b *testing.B) {
	raw := readFixture(b, "agent-output-2k.json")
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		output any
	}{{"decoded-2k", decoded}, {"string-2k", string(raw)}} {
		b.Run(tc.name, func(b *testing.B) {
			eng, err := gate.NewEngine(gate.CloudGates(), gate.WithTimeout(time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			ev := gate.Evaluation{AgentID: "agent-42", Tool: "summarize", Output: tc.output}
			var res gate.Result
			lat := newLatencies(b.N)
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if err := eng.EvaluateInto(ctx, &ev, &res); err != nil {
					b.Fatal(err)
				}
				lat.add(i, time.Since(t0))
				if !res.Passed {
					b.Fatalf("gates failed: %+v", res.Gates)
				}
			}
			b.StopTimer()
			lat.report(b)
		})
	}
}
