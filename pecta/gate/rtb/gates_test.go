package rtb_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
)

// pair is a valid request and response: 3 imps, 2 bids.
func pair() (*rtb.Request, *rtb.Response) {
	req := &rtb.Request{
		ID: "req-1", TmaxMS: 100,
		Imps:  []rtb.Imp{{ID: "1", BidFloor: 0.5}, {ID: "2", BidFloor: 1.25}, {ID: "3"}},
		Bcat:  []string{"IAB25", "IAB26", "IAB7-39", "IAB3-7"},
		Badv:  []string{"competitor.com"},
		Cat:   []string{"IAB12"},
		COPPA: false,
	}
	resp := &rtb.Response{Bids: []rtb.Bid{
		{ImpID: "1", Price: 1.2, Adomain: []string{"nike.com"}, Cat: []string{"IAB17"}},
		{ImpID: "3", Price: 9.8, Adomain: []string{"shop.patagonia.com"}, Cat: []string{"IAB20-18"}},
	}}
	return req, resp
}

func runGate(g gate.Gate, req *rtb.Request, resp *rtb.Response) gate.Outcome {
	ev := &gate.Evaluation{AgentID: "a"}
	if req != nil {
		ev.Input = req
	}
	if resp != nil {
		ev.Output = resp
	}
	return g.Run(context.Background(), ev)
}

type rtbCase struct {
	name   string
	mutate func(req *rtb.Request, resp *rtb.Response)
	reason string // "" to pass
	bid    int    // Details of a failure
}

func checkRTB(t *testing.T, g gate.Gate, cases []rtbCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, resp := pair()
			if c.mutate != nil {
				c.mutate(req, resp)
			}
			out := runGate(g, req, resp)
			if skip, ok := strings.CutPrefix(c.reason, "skip: "); ok {
				require.True(t, out.Passed)
				require.True(t, out.Skipped)
				require.Equal(t, skip, out.Reason)
				return
			}
			if c.reason == "" {
				require.True(t, out.Passed, "failed: %s", out.Reason)
				require.False(t, out.Skipped)
				return
			}
			require.False(t, out.Passed)
			require.Equal(t, c.reason, out.Reason)
			require.Equal(t, c.bid, out.Details)
		})
	}
}

func TestImpIDMatch(t *testing.T) {
	g := rtb.ImpIDMatch()
	require.Equal(t, "rtb.impid-match", g.Name())
	checkRTB(t, g, []rtbCase{
		{"valid", nil, "", 0},
		{"no bids", func(_ *rtb.Request, r *rtb.Response) { r.Bids = nil }, "skip: no bids in response", 0},
		{"no imps", func(q *rtb.Request, _ *rtb.Response) { q.Imps = nil }, "skip: no impressions in request", 0},
		{"missing impid", func(_ *rtb.Request, r *rtb.Response) { r.Bids[1].ImpID = "" }, "bid missing impid", 1},
		{"unknown impid", func(_ *rtb.Request, r *rtb.Response) { r.Bids[0].ImpID = "4" }, "bid impid not present in request", 0},
		{"case differs", func(q *rtb.Request, r *rtb.Response) { q.Imps[0].ID = "a"; r.Bids[0].ImpID = "A" }, "bid impid not present in request", 0},
		{"near miss: the last imp", func(_ *rtb.Request, r *rtb.Response) { r.Bids[0].ImpID = "2" }, "", 0},
	})
	_, resp := pair()
	require.Equal(t, "input is not an *rtb.Request", runGate(g, nil, resp).Reason)
	req, _ := pair()
	require.Equal(t, "output is not an *rtb.Response", runGate(g, req, nil).Reason)
}

func TestAdomainVerify(t *testing.T) {
	g, err := rtb.AdomainVerify(rtb.AdomainOptions{})
	require.NoError(t, err)
	require.Equal(t, "rtb.adomain-verify", g.Name())
	set := func(d ...string) func(*rtb.Request, *rtb.Response) {
		return func(_ *rtb.Request, r *rtb.Response) { r.Bids[1].Adomain = d }
	}
	cases := []rtbCase{
		{"valid", nil, "", 0},
		{"missing", set(), "bid has no adomain", 1},
		{"badv", set("competitor.com"), "adomain blocked by badv", 1},
		{"badv subdomain", set("www.Competitor.com"), "adomain blocked by badv", 1},
		{"second domain bad", set("nike.com", "example.com"), "placeholder adomain: example.com", 1},
	}
	for _, p := range rtb.DefaultPlaceholderDomains {
		cases = append(cases, rtbCase{"placeholder " + p, set(p), "placeholder adomain: " + p, 1})
	}
	cases = append(cases,
		rtbCase{"placeholder subdomain", set("www.example.com"), "placeholder adomain: example.com", 1},
		rtbCase{"placeholder case", set("EXAMPLE.COM"), "placeholder adomain: example.com", 1},
		rtbCase{"placeholder trailing dot", set("test.com."), "placeholder adomain: test.com", 1},
		rtbCase{"placeholder trimmed", set(" foo.com "), "placeholder adomain: foo.com", 1},
		rtbCase{"scheme", set("https://nike.com"), "invalid adomain format", 1},
		rtbCase{"path", set("nike.com/shoes"), "invalid adomain format", 1},
		rtbCase{"port", set("nike.com:443"), "invalid adomain format", 1},
		rtbCase{"single label", set("nike"), "invalid adomain format", 1},
		rtbCase{"ip", set("192.0.2.1"), "invalid adomain format", 1},
		rtbCase{"empty", set(""), "invalid adomain format", 1},
		rtbCase{"space", set("nike .com"), "invalid adomain format", 1},
		rtbCase{"leading hyphen", set("-nike.com"), "invalid adomain format", 1},
		rtbCase{"empty label", set("nike..com"), "invalid adomain format", 1},
		rtbCase{"underscore", set("ni_ke.com"), "invalid adomain format", 1},
		// near misses
		rtbCase{"near: examples.com", set("examples.com"), "", 0},
		rtbCase{"near: myexample.com", set("myexample.com"), "", 0},
		rtbCase{"near: example.co", set("example.co"), "", 0},
		rtbCase{"near: test.co.uk", set("test.co.uk"), "", 0},
		rtbCase{"near: foo.com.au", set("foo.com.au"), "", 0},
		rtbCase{"near: mixed case", set("Shop.Nike.COM"), "", 0},
		rtbCase{"near: hyphen inside", set("my-shop.co"), "", 0},
		rtbCase{"near: punycode", set("xn--bcher-kva.de"), "", 0},
		rtbCase{"near: not competitor", set("notcompetitor.com"), "", 0},
		rtbCase{"near: trailing dot", set("nike.com."), "", 0},
	)
	checkRTB(t, g, cases)

	lax, err := rtb.AdomainVerify(rtb.AdomainOptions{AllowMissing: true, ExtraPlaceholders: []string{"Dummy.IO"}})
	require.NoError(t, err)
	checkRTB(t, lax, []rtbCase{
		{"missing allowed", set(), "", 0},
		{"extra placeholder", set("cdn.dummy.io"), "placeholder adomain: dummy.io", 1},
	})
	_, err = rtb.AdomainVerify(rtb.AdomainOptions{ExtraPlaceholders: []string{" "}})
	require.Error(t, err)
}

func TestBidSanity(t *testing.T) {
	g, err := rtb.BidSanity(rtb.BidSanityOptions{})
	require.NoError(t, err)
	require.Equal(t, "rtb.bid-sanity", g.Name())
	price := func(i int, p float64) func(*rtb.Request, *rtb.Response) {
		return func(_ *rtb.Request, r *rtb.Response) { r.Bids[i].Price = p }
	}
	checkRTB(t, g, []rtbCase{
		{"valid", nil, "", 0},
		{"missing", price(1, rtb.MissingPrice), "bid missing price", 1},
		{"negative", price(0, -0.01), "bid price is negative", 0},
		{"infinite", price(0, math.Inf(1)), "bid missing price", 0},
		{"no bids", func(_ *rtb.Request, r *rtb.Response) { r.Bids = nil }, "skip: no bids in response", 0},
		{"100x floor", price(0, 50), "bid price above 50x the imp bidfloor", 0},
		{"just above 50x", price(0, 25.0001), "bid price above 50x the imp bidfloor", 0},
		{"below floor", price(0, 0.49), "bid price below the imp bidfloor", 0},
		{"near: exactly 50x", price(0, 25), "", 0},
		{"near: at the floor", price(0, 0.5), "", 0},
		{"near: zero price", func(q *rtb.Request, r *rtb.Response) { r.Bids[1].Price = 0 }, "", 0}, // imp 3 has no floor
		{"near: no floor, high price", price(1, 1000), "", 0},
		{"near: unknown imp", func(_ *rtb.Request, r *rtb.Response) { r.Bids[0].ImpID = "9"; r.Bids[0].Price = 999 }, "", 0},
	})
	capped, err := rtb.BidSanity(rtb.BidSanityOptions{MaxPrice: 20, MaxFloorMultiple: 10, AllowBelowFloor: true})
	require.NoError(t, err)
	checkRTB(t, capped, []rtbCase{
		{"cap", price(1, 20.5), "bid price above the 20 cap", 1},
		{"multiple", price(0, 5.01), "bid price above 10x the imp bidfloor", 0},
		{"below floor allowed", price(0, 0.1), "", 0},
		{"near: at the cap", price(1, 20), "", 0},
	})
	// without a request only the price itself is checked
	_, resp := pair()
	resp.Bids[0].Price = 1e6
	require.True(t, runGate(g, nil, resp).Passed)
	for _, bad := range []rtb.BidSanityOptions{{MaxFloorMultiple: 0.5}, {MaxFloorMultiple: math.NaN()}, {MaxPrice: -1}, {MaxPrice: math.Inf(1)}} {
		_, err := rtb.BidSanity(bad)
		require.Error(t, err, "%+v", bad)
	}
}

func TestAudienceSafety(t *testing.T) {
	g, err := rtb.AudienceSafety(rtb.AudienceSafetyOptions{})
	require.NoError(t, err)
	require.Equal(t, "rtb.audience-safety", g.Name())
	coppa := func(cat ...string) func(*rtb.Request, *rtb.Response) {
		return func(q *rtb.Request, r *rtb.Response) { q.COPPA = true; r.Bids[1].Cat = cat }
	}
	bundle := func(b string, cat ...string) func(*rtb.Request, *rtb.Response) {
		return func(q *rtb.Request, r *rtb.Response) { q.Bundle = b; r.Bids[0].Cat = cat }
	}
	const unsafe = "child-directed inventory served unsafe category: "
	cases := []rtbCase{{"not child-directed", nil, "skip: inventory is not child-directed", 0}}
	for _, c := range rtb.DefaultUnsafeCategories {
		cases = append(cases, rtbCase{"coppa " + c, coppa("IAB1", c), unsafe + c, 1})
	}
	cases = append(cases,
		rtbCase{"coppa subcategory, exact entry first", coppa("IAB25-3"), unsafe + "IAB25-3", 1},
		rtbCase{"coppa subcategory of a tier-1 entry", coppa("IAB25-9"), unsafe + "IAB25", 1},
		rtbCase{"kids bundle", bundle("com.acme.KidsGames", "IAB8-18"), unsafe + "IAB8-18", 0},
		rtbCase{"baby bundle", bundle("com.babyshark.app", "IAB26"), unsafe + "IAB26", 0},
		rtbCase{"children bundle", bundle("com.children.books", "IAB14-1"), unsafe + "IAB14-1", 0},
		rtbCase{"site.cat IAB13 is Personal Finance, not children's content", func(q *rtb.Request, r *rtb.Response) {
			q.Cat = []string{"IAB13"}
			r.Bids[0].Cat = []string{"IAB8-5"}
		}, "skip: inventory is not child-directed", 0},
		// near misses
		rtbCase{"near: coppa safe category", coppa("IAB1", "IAB9-30"), "", 0},
		rtbCase{"near: coppa IAB7-3", coppa("IAB7-3"), "", 0},
		rtbCase{"near: coppa IAB250", coppa("IAB250"), "", 0},
		rtbCase{"near: coppa IAB2-5", coppa("IAB2-5"), "", 0},
		rtbCase{"near: coppa no category", coppa(), "", 0},
		rtbCase{"near: unsafe but not child-directed", func(_ *rtb.Request, r *rtb.Response) { r.Bids[0].Cat = []string{"IAB25"} }, "skip: inventory is not child-directed", 0},
		rtbCase{"near: kidney bundle", bundle("com.kidney.health", "IAB8-18"), "skip: inventory is not child-directed", 0},
		rtbCase{"near: adult bundle", bundle("com.acme.news", "IAB8-18"), "skip: inventory is not child-directed", 0},
		rtbCase{"near: nursery is not a reference keyword", bundle("com.nursery.rhymes", "IAB8-18"), "skip: inventory is not child-directed", 0},
	)
	checkRTB(t, g, cases)

	custom, err := rtb.AudienceSafety(rtb.AudienceSafetyOptions{UnsafeCategories: []string{"IAB9"}, ExtraBundleKeywords: []string{"Junior"},
		ChildCategories: []string{"IAB6-5"}})
	require.NoError(t, err)
	checkRTB(t, custom, []rtbCase{
		{"custom category", coppa("IAB9-30"), unsafe + "IAB9", 1},
		{"default replaced", coppa("IAB25"), "", 0},
		{"extra keyword", bundle("com.chess.JUNIOR", "IAB9"), unsafe + "IAB9", 0},
		{"child category", func(q *rtb.Request, r *rtb.Response) { q.Cat = []string{"IAB6-5"}; r.Bids[0].Cat = []string{"IAB9-7"} }, unsafe + "IAB9", 0},
	})
	none, err := rtb.AudienceSafety(rtb.AudienceSafetyOptions{UnsafeCategories: []string{}})
	require.NoError(t, err)
	checkRTB(t, none, []rtbCase{{"empty list refuses nothing", coppa("IAB25"), "", 0}})
	_, err = rtb.AudienceSafety(rtb.AudienceSafetyOptions{ChildCategories: []string{" "}})
	require.Error(t, err)
	_, err = rtb.AudienceSafety(rtb.AudienceSafetyOptions{UnsafeCategories: []string{""}})
	require.Error(t, err)
	_, err = rtb.AudienceSafety(rtb.AudienceSafetyOptions{ExtraBundleKeywords: []string{" "}})
	require.Error(t, err)
}

func TestBcatCompliance(t *testing.T) {
	g := rtb.BcatCompliance()
	require.Equal(t, "rtb.bcat-compliance", g.Name())
	cat := func(c ...string) func(*rtb.Request, *rtb.Response) {
		return func(_ *rtb.Request, r *rtb.Response) { r.Bids[1].Cat = c }
	}
	checkRTB(t, g, []rtbCase{
		{"valid", nil, "", 0},
		{"exact", cat("IAB20", "IAB3-7"), "blocked category in response: IAB3-7", 1},
		{"case", cat("iab3-7"), "blocked category in response: iab3-7", 1},
		{"tier-1 blocks subcategory", cat("IAB25-3"), "blocked category in response: IAB25-3", 1},
		{"no bids", func(_ *rtb.Request, r *rtb.Response) { r.Bids = nil }, "skip: no bids in response", 0},
		{"near: IAB3-70", cat("IAB3-70"), "", 0},
		{"near: IAB3 (tier-1 of a blocked subcategory)", cat("IAB3"), "", 0},
		{"near: IAB250", cat("IAB250"), "", 0},
		{"near: no categories", cat(), "", 0},
		{"near: empty bcat", func(q *rtb.Request, r *rtb.Response) { q.Bcat = nil; r.Bids[0].Cat = []string{"IAB25"} }, "skip: no bcat in request", 0},
	})
}

func TestTmaxGuard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, err := rtb.TmaxGuard(rtb.TmaxGuardOptions{})
		require.NoError(t, err)
		require.Equal(t, "rtb.tmax-guard", g.Name())
		req, resp := pair() // tmax 100
		ctx := context.Background()
		ev := &gate.Evaluation{AgentID: "a", Input: req, Output: resp}
		out := g.Run(ctx, ev)
		require.True(t, out.Passed && out.Skipped && !out.EndPipeline, "no StartedAt: nothing to measure")
		require.Equal(t, rtb.ReasonNoTmax, out.Reason)
		ev.StartedAt = time.Now().Add(-80 * time.Millisecond) // 20 ms left
		out = g.Run(ctx, ev)
		require.True(t, out.Passed)
		require.False(t, out.Skipped)
		ev.StartedAt = time.Now().Add(-86 * time.Millisecond) // 14 ms left
		out = g.Run(ctx, ev)
		require.True(t, out.Skipped)
		require.True(t, out.EndPipeline)
		require.Equal(t, "tmax budget exhausted (less than 15ms left)", out.Reason)
		ev.StartedAt = time.Now().Add(-85 * time.Millisecond) // exactly 15 ms left: enough
		require.False(t, g.Run(ctx, ev).Skipped)
		ev.TmaxMS = 200 // the evaluation's tmax wins over the request's
		ev.StartedAt = time.Now().Add(-150 * time.Millisecond)
		require.False(t, g.Run(ctx, ev).Skipped)
		ev.TmaxMS, req.TmaxMS = 0, 0
		require.Equal(t, rtb.ReasonNoTmax, g.Run(ctx, ev).Reason, "no tmax: skipped")

		big, err := rtb.TmaxGuard(rtb.TmaxGuardOptions{BufferMS: 2.5})
		require.NoError(t, err)
		ev.TmaxMS = 10
		ev.StartedAt = time.Now().Add(-8 * time.Millisecond)
		require.Equal(t, "tmax budget exhausted (less than 2.5ms left)", big.Run(ctx, ev).Reason)
		_, err = rtb.TmaxGuard(rtb.TmaxGuardOptions{BufferMS: -1})
		require.Error(t, err)
	})
}

// TestEngineRTB runs the six gates through the engine on parsed fixtures,
// on bad bids, and with the tmax guard ending the pipeline.
func TestEngineRTB(t *testing.T) {
	gs, err := rtb.Gates(rtb.Options{})
	require.NoError(t, err)
	e, err := gate.NewEngine(gs, gate.WithTimeout(time.Minute))
	require.NoError(t, err)
	require.Equal(t, []string{"rtb.tmax-guard", "rtb.impid-match", "rtb.adomain-verify", "rtb.bid-sanity",
		"rtb.audience-safety", "rtb.bcat-compliance"}, e.Gates())

	var req rtb.Request
	var resp rtb.Response
	require.NoError(t, rtb.ParseRequest(fixture(t, "request.json"), &req))
	require.NoError(t, rtb.ParseResponse(fixture(t, "response.json"), &resp))
	ev := &gate.Evaluation{AgentID: "bidder", Tool: "bid", Input: &req, Output: &resp, StartedAt: time.Now()}
	var res gate.Result
	require.NoError(t, e.EvaluateInto(context.Background(), ev, &res))
	require.True(t, res.Passed, "%+v", res.Gates)

	resp.Bids[1].Price = 400 // 100x the floor of imp 3
	require.NoError(t, e.EvaluateInto(context.Background(), ev, &res))
	require.False(t, res.Passed)
	require.Equal(t, "bid price above 50x the imp bidfloor", res.Gate("rtb.bid-sanity").Reason)
	require.True(t, res.Gate("rtb.audience-safety").Aborted, "failFast")

	ev.StartedAt = time.Now().Add(-110 * time.Millisecond) // tmax 120: 10 ms left
	require.NoError(t, e.EvaluateInto(context.Background(), ev, &res))
	require.True(t, res.Passed, "no time to judge: the bid goes out unjudged")
	require.True(t, res.Gates[0].Skipped)
	for _, g := range res.Gates[1:] {
		require.True(t, g.Skipped)
		require.Equal(t, "pipeline ended by rtb.tmax-guard", g.Reason)
	}

	_, err = rtb.Gates(rtb.Options{TmaxGuard: rtb.TmaxGuardOptions{BufferMS: -1}})
	require.Error(t, err)
}

func TestEngineRTBAllocs(t *testing.T) {
	e := rtbEngine(t)
	reqJSON, respJSON := fixture(t, "request.json"), fixture(t, "response.json")
	var req rtb.Request
	var resp rtb.Response
	var res gate.Result
	ev := &gate.Evaluation{AgentID: "bidder", Input: &req, Output: &resp}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(200, func() {
		_ = rtb.ParseRequest(reqJSON, &req)
		_ = rtb.ParseResponse(respJSON, &resp)
		ev.StartedAt = time.Now()
		_ = e.EvaluateInto(ctx, ev, &res)
	})
	require.Zero(t, allocs)
	require.True(t, res.Passed)
}
