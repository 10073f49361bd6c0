package main

// The in-process RTB gates on the bid path: every simulated bid request
// arrives as raw OpenRTB JSON and is parsed into an rtb.Request view, the
// bidder's answer fills an rtb.Response view from its own struct, the six
// RTB gates judge the pair, and the result is tracked with one call. One
// bid in four is deliberately bad, in a different way each time.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// bidKind is what a simulated bid gets wrong.
type bidKind int

const (
	goodBid bidKind = iota
	unknownImp
	placeholderDomain
	price100xFloor
	blockedCategory
	coppaRequest
	nKinds
)

var kindNames = [nKinds]string{"good", "unknown impid", "placeholder adomain", "price 100x floor", "bcat category", "COPPA request"}

// kindOf spreads the bad bids: 5 in 20 are bad, one of each kind.
func kindOf(seq int) bidKind {
	if k := bidKind(seq % 20); k < nKinds {
		return k
	}
	return goodBid
}

// requestJSON is the raw bid request of a kind: 3 imps, a bcat of 20.
func requestJSON(k bidKind, n int) []byte {
	coppa := 0
	if k == coppaRequest {
		coppa = 1
	}
	return []byte(fmt.Sprintf(`{"id":"req-%d","at":1,"tmax":120,"cur":["USD"],`+
		`"imp":[{"id":"1","tagid":"top","bidfloor":0.5,"banner":{"w":300,"h":250}},`+
		`{"id":"2","tagid":"mid","bidfloor":1.25,"banner":{"w":728,"h":90}},`+
		`{"id":"3","tagid":"preroll","bidfloor":4,"video":{"mimes":["video/mp4"],"w":640,"h":480}}],`+
		`"site":{"id":"102855","domain":"news.publisher-site.com","cat":["IAB12"],"page":"https://news.publisher-site.com/a.html"},`+
		`"device":{"ua":"Mozilla/5.0 (Macintosh)","ip":"192.0.2.44","devicetype":2},"user":{"id":"u-%d"},`+
		`"bcat":["IAB25","IAB26","IAB7-39","IAB3-7","IAB23","IAB11-4","IAB13-5","IAB15-5","IAB17-18","IAB18-5",`+
		`"IAB19-3","IAB20-3","IAB22-2","IAB24","IAB5-15","IAB6-7","IAB14-3","IAB10-2","IAB21-1","IAB16-6"],`+
		`"badv":["competitor-brand.com"],"regs":{"coppa":%d}}`, n, n, coppa))
}

// bidderBid is the bidder's own representation of a bid.
type bidderBid struct {
	impID    string
	cpm      float64
	domains  []string
	category []string
}

// answer is what the bidder answers for a kind (before the per-bid price
// jitter).
func answer(k bidKind) [2]bidderBid {
	a := [2]bidderBid{
		{impID: "1", cpm: 0.6, domains: []string{"nike.com"}, category: []string{"IAB17"}},
		{impID: "3", cpm: 4.2, domains: []string{"shop.patagonia.com"}, category: []string{"IAB20"}},
	}
	switch k {
	case unknownImp:
		a[1].impID = "7"
	case placeholderDomain:
		a[0].domains = []string{"advertiserdomain.com"}
	case price100xFloor:
		a[1].cpm = 400 // floor 4
	case blockedCategory:
		a[0].category = []string{"IAB23-2"} // bcat has IAB23
	case coppaRequest:
		a[1].category = []string{"IAB8-5"} // beer, on a COPPA request
	}
	return a
}

var (
	engineOnce sync.Once
	rtbEngine  *gate.Engine
	requests   [nKinds][]byte
	answers    [nKinds][2]bidderBid
)

func sharedEngine() *gate.Engine {
	engineOnce.Do(func() {
		gates, err := rtb.Gates(rtb.Options{})
		if err == nil {
			rtbEngine, err = gate.NewEngine(gates, gate.WithTimeout(15*time.Millisecond))
		}
		if err != nil {
			panic(err) // fixed, valid options
		}
		for k := range nKinds {
			requests[k] = requestJSON(k, int(k))
			answers[k] = answer(k)
		}
	})
	return rtbEngine
}

// gateStats is one worker's record of the gates.
type gateStats struct {
	gateLat, trackLat, bothLat []time.Duration
	bids, passed, timedOut     [nKinds]int
	runs, fails, aborted       [6]int
	parseErrs, trackErrs       int
}

// gateBidder holds one worker's reused views and result: nothing is
// allocated per bid.
type gateBidder struct {
	eng   *gate.Engine
	ctx   context.Context
	req   rtb.Request
	resp  rtb.Response
	res   gate.Result
	ev    gate.Evaluation
	stats gateStats
}

func newGateBidder(agent string, expected int) *gateBidder {
	g := &gateBidder{eng: sharedEngine(), ctx: context.Background()}
	g.ev = gate.Evaluation{AgentID: agent, Tool: "bid", Input: &g.req, Output: &g.resp}
	g.resp.Bids = make([]rtb.Bid, 0, 2)
	g.stats.gateLat = make([]time.Duration, 0, expected)
	g.stats.trackLat = make([]time.Duration, 0, expected)
	g.stats.bothLat = make([]time.Duration, 0, expected)
	return g
}

// step judges bid seq of agent (arrived at start) with the RTB gates and
// tracks the result. It returns how long Track took.
func (g *gateBidder) step(em *telemetry.Emitter, seq int, agent string, price float64, start time.Time) (time.Duration, error) {
	k := kindOf(seq)
	t0 := time.Now()
	if err := rtb.ParseRequest(requests[k], &g.req); err != nil {
		g.stats.parseErrs++
		return 0, err
	}
	g.resp.Reset()
	for i := range answers[k] {
		b := &answers[k][i]
		cpm := b.cpm
		if k != price100xFloor {
			cpm += price // jitter, within the floor multiple
		}
		g.resp.Bids = append(g.resp.Bids, rtb.Bid{ImpID: b.impID, Price: cpm, Adomain: b.domains, Cat: b.category})
	}
	g.ev.AgentID = agent
	g.ev.StartedAt = start
	_ = g.eng.EvaluateInto(g.ctx, &g.ev, &g.res)
	t1 := time.Now()
	err := em.TrackResult(&g.res)
	t2 := time.Now()

	s := &g.stats
	s.gateLat = append(s.gateLat, t1.Sub(t0))
	s.trackLat = append(s.trackLat, t2.Sub(t1))
	s.bothLat = append(s.bothLat, t2.Sub(t0))
	s.bids[k]++
	if g.res.Passed {
		s.passed[k]++
	}
	for i := range g.res.Gates {
		if g.res.Gates[i].TimedOut() { // the machine stalled the bidder past the 15 ms budget
			s.timedOut[k]++
			break
		}
	}
	for i := range g.res.Gates {
		r := &g.res.Gates[i]
		switch {
		case r.Aborted:
			s.aborted[i]++
		case !r.Passed:
			s.runs[i]++
			s.fails[i]++
		case !r.Skipped:
			s.runs[i]++
		}
	}
	if err != nil {
		s.trackErrs++
	}
	return t2.Sub(t1), err
}

// printGateSummary prints the gates' pass rates, what each bad kind did,
// and the gate and Track latencies of every worker together.
func printGateSummary(all []*gateStats) {
	var tot gateStats
	for _, s := range all {
		tot.gateLat = append(tot.gateLat, s.gateLat...)
		tot.trackLat = append(tot.trackLat, s.trackLat...)
		tot.bothLat = append(tot.bothLat, s.bothLat...)
		for k := range nKinds {
			tot.bids[k] += s.bids[k]
			tot.passed[k] += s.passed[k]
		}
		for i := range tot.runs {
			tot.runs[i] += s.runs[i]
			tot.fails[i] += s.fails[i]
			tot.aborted[i] += s.aborted[i]
		}
		for k := range nKinds {
			tot.timedOut[k] += s.timedOut[k]
		}
		tot.parseErrs += s.parseErrs
		tot.trackErrs += s.trackErrs
	}
	fmt.Println("\nRTB gates (in process, on every bid):")
	fmt.Printf("  %-20s %8s %8s %8s %10s\n", "gate", "ran", "failed", "aborted", "pass rate")
	for i, name := range rtbEngine.Gates() {
		rate := 1.0
		if tot.runs[i] > 0 {
			rate = float64(tot.runs[i]-tot.fails[i]) / float64(tot.runs[i])
		}
		fmt.Printf("  %-20s %8d %8d %8d %9.1f%%\n", name, tot.runs[i], tot.fails[i], tot.aborted[i], 100*rate)
	}
	fmt.Printf("  %-20s %8s %8s %8s\n", "bids by kind", "bids", "passed", "timeout")
	for k := range nKinds {
		fmt.Printf("  %-20s %8d %8d %8d\n", kindNames[k], tot.bids[k], tot.passed[k], tot.timedOut[k])
	}
	fmt.Println("Latency per bid (measured around each step, timer overhead included):")
	printLatency("  parse + 6 gates", tot.gateLat)
	printLatency("  TrackResult    ", tot.trackLat)
	printLatency("  gates + Track  ", tot.bothLat)
	if tot.parseErrs > 0 {
		fmt.Printf("  %d requests failed to parse\n", tot.parseErrs)
	}
}

// checkGateKinds verifies every kind of bad bid was refused and every good
// one passed (unless the tmax guard let it through unjudged).
func checkGateKinds(all []*gateStats) error {
	var bids, passed, timedOut [nKinds]int
	for _, s := range all {
		for k := range nKinds {
			bids[k] += s.bids[k]
			passed[k] += s.passed[k]
			timedOut[k] += s.timedOut[k]
		}
	}
	var bad []string
	for k := range nKinds {
		switch {
		case k == goodBid && passed[k]+timedOut[k] != bids[k]:
			bad = append(bad, fmt.Sprintf("%d good bids failed a gate", bids[k]-passed[k]-timedOut[k]))
		case k != goodBid && passed[k] > 0:
			bad = append(bad, fmt.Sprintf("%d %s bids passed", passed[k], kindNames[k]))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("gates: %s", strings.Join(bad, "; "))
	}
	return nil
}
