package rtb_test

import (
	"context"
	"fmt"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
)

func Example() {
	gates, _ := rtb.Gates(rtb.Options{})
	eng, _ := gate.NewEngine(gates, gate.WithTimeout(50*time.Millisecond)) // 15 ms is the usual RTB budget

	var req rtb.Request
	var resp rtb.Response
	var res gate.Result
	_ = rtb.ParseRequest([]byte(`{"id":"r1","tmax":120,"imp":[{"id":"1","bidfloor":0.5}],"bcat":["IAB25"],"regs":{"coppa":0}}`), &req)
	for _, answer := range []string{
		`{"seatbid":[{"bid":[{"impid":"1","price":1.1,"adomain":["nike.com"],"cat":["IAB17"]}]}]}`,
		`{"seatbid":[{"bid":[{"impid":"7","price":1.1,"adomain":["nike.com"]}]}]}`,
		`{"seatbid":[{"bid":[{"impid":"1","price":1.1,"adomain":["example.com"]}]}]}`,
		`{"seatbid":[{"bid":[{"impid":"1","price":50,"adomain":["nike.com"]}]}]}`,
		`{"seatbid":[{"bid":[{"impid":"1","price":1.1,"adomain":["nike.com"],"cat":["IAB25-3"]}]}]}`,
	} {
		if err := rtb.ParseResponse([]byte(answer), &resp); err != nil {
			panic(err)
		}
		ev := gate.Evaluation{AgentID: "bidder-7", Tool: "bid", Input: &req, Output: &resp, StartedAt: time.Now()}
		_ = eng.EvaluateInto(context.Background(), &ev, &res)
		fmt.Print(res.Passed)
		for _, g := range res.Gates {
			if !g.Passed && !g.Aborted {
				fmt.Printf(" %s: %s", g.Name, g.Reason)
			}
		}
		fmt.Println()
	}
	// Output:
	// true
	// false rtb.impid-match: bid impid not present in request
	// false rtb.adomain-verify: placeholder adomain: example.com
	// false rtb.bid-sanity: bid price above 50x the imp bidfloor
	// false rtb.bcat-compliance: blocked category in response: IAB25-3
}
