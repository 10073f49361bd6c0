package rtb

import (
	"context"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// ImpIDMatch returns the gate "rtb.impid-match" of the reference
// (https://docs.pecta.ai/gates/rtb/impid-match): every bid's impid must be
// the id of one of the request's impressions. Reasons "bid missing impid"
// (absent or empty) and "bid impid not present in request" (ids compare
// exactly). It is skipped when there is nothing to check: the request has
// no impressions ("no impressions in request") or the response no bids
// ("no bids in response"). Details of a failure: the index of the first
// failing bid in Response.Bids (int); the reference's list of the
// request's ids is left out, so that a failure does not allocate.
func ImpIDMatch() gate.Gate { return impIDMatch{} }

type impIDMatch struct{ cheap }

func (impIDMatch) Name() string { return NameImpIDMatch }

func (impIDMatch) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	switch {
	case resp == nil:
		return gate.Fail(reasonNoResponse)
	case req == nil:
		return gate.Fail(reasonNoRequest)
	case len(req.Imps) == 0:
		return gate.Skip(reasonNoImps)
	case len(resp.Bids) == 0:
		return gate.Skip(reasonNoBids)
	}
	for i := range resp.Bids {
		b := &resp.Bids[i]
		if b.ImpID == "" {
			return failBid("bid missing impid", i)
		}
		if req.Imp(b.ImpID) == nil {
			return failBid("bid impid not present in request", i)
		}
	}
	return gate.Pass()
}
