package rtb

import (
	"context"
	"errors"
	"math"
	"strconv"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// DefaultMaxFloorMultiple is the bid sanity gate's default limit on
// price / imp.bidfloor.
const DefaultMaxFloorMultiple = 50

// BidSanityOptions configure the bid sanity gate.
type BidSanityOptions struct {
	// MaxFloorMultiple: a bid whose price / bidfloor is above this fails
	// (default 50; must be >= 1).
	MaxFloorMultiple float64
	// MaxPrice: a hard cap on the bid price, CPM in the bid's currency
	// (default 0: no cap, the reference's Infinity).
	MaxPrice float64
	// AllowBelowFloor lets a bid under its impression's bidfloor pass. By
	// default it fails (ours: the reference does not check it; an exchange
	// drops such a bid, OpenRTB 2.6 section 3.2.4).
	AllowBelowFloor bool
}

// BidSanity returns the gate "rtb.bid-sanity" of the reference
// (https://docs.pecta.ai/gates/rtb/bid-sanity). For every bid, in order,
// it fails on:
//
//   - a price that is absent or not a finite number: "bid missing price";
//   - a negative price: "bid price is negative";
//   - a price above MaxPrice: "bid price above the 20 cap";
//   - price / bidfloor above MaxFloorMultiple: "bid price above 50x the
//     imp bidfloor" (the floor of the impression with the bid's impid;
//     no check when there is none, or it has no positive floor);
//   - unless AllowBelowFloor, a price under that floor: "bid price below
//     the imp bidfloor".
//
// The reference's reasons for the cap and the multiple also quote the
// bid's price and ratio; ours quote the configured limit only, so that a
// failing bid costs no allocation (the bid is Details: its index, int). A
// price of 0 passes. It is skipped when the response has no bids ("no bids
// in response").
func BidSanity(o BidSanityOptions) (gate.Gate, error) {
	if o.MaxFloorMultiple == 0 {
		o.MaxFloorMultiple = DefaultMaxFloorMultiple
	}
	if !(o.MaxFloorMultiple >= 1) || math.IsInf(o.MaxFloorMultiple, 0) {
		return nil, errors.New("rtb: bid sanity: MaxFloorMultiple must be a finite number >= 1")
	}
	if !(o.MaxPrice >= 0) || math.IsInf(o.MaxPrice, 0) {
		return nil, errors.New("rtb: bid sanity: MaxPrice must be a finite number >= 0")
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return &bidSanity{
		o:           o,
		capReason:   "bid price above the " + f(o.MaxPrice) + " cap",
		floorReason: "bid price above " + f(o.MaxFloorMultiple) + "x the imp bidfloor",
	}, nil
}

type bidSanity struct {
	cheap
	o                      BidSanityOptions
	capReason, floorReason string
}

func (*bidSanity) Name() string { return NameBidSanity }

func (g *bidSanity) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	if resp == nil {
		return gate.Fail(reasonNoResponse)
	}
	if len(resp.Bids) == 0 {
		return gate.Skip(reasonNoBids)
	}
	for i := range resp.Bids {
		p := resp.Bids[i].Price
		switch {
		case math.IsNaN(p) || math.IsInf(p, 0):
			return failBid("bid missing price", i)
		case p < 0:
			return failBid("bid price is negative", i)
		case g.o.MaxPrice > 0 && p > g.o.MaxPrice:
			return failBid(g.capReason, i)
		}
		if req == nil {
			continue
		}
		imp := req.Imp(resp.Bids[i].ImpID)
		if imp == nil || !(imp.BidFloor > 0) {
			continue
		}
		if p/imp.BidFloor > g.o.MaxFloorMultiple {
			return failBid(g.floorReason, i)
		}
		if !g.o.AllowBelowFloor && p < imp.BidFloor {
			return failBid("bid price below the imp bidfloor", i)
		}
	}
	return gate.Pass()
}
