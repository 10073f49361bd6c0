package rtb

import (
	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// Gate names, as reported in results and telemetry.
const (
	NameTmaxGuard      = "rtb.tmax-guard"
	NameImpIDMatch     = "rtb.impid-match"
	NameAdomainVerify  = "rtb.adomain-verify"
	NameBidSanity      = "rtb.bid-sanity"
	NameAudienceSafety = "rtb.audience-safety"
	NameBcatCompliance = "rtb.bcat-compliance"
)

// Options configure the six RTB gates built by Gates. The zero value gives
// the documented defaults.
type Options struct {
	TmaxGuard      TmaxGuardOptions
	Adomain        AdomainOptions
	BidSanity      BidSanityOptions
	AudienceSafety AudienceSafetyOptions
}

// Gates returns the six RTB gates in the recommended order: tmax guard
// first (it ends the evaluation when no time is left), then impid match,
// adomain verify, bid sanity, audience safety and bcat compliance.
func Gates(o Options) ([]gate.Gate, error) {
	tg, err := TmaxGuard(o.TmaxGuard)
	if err != nil {
		return nil, err
	}
	ad, err := AdomainVerify(o.Adomain)
	if err != nil {
		return nil, err
	}
	bs, err := BidSanity(o.BidSanity)
	if err != nil {
		return nil, err
	}
	as, err := AudienceSafety(o.AudienceSafety)
	if err != nil {
		return nil, err
	}
	return []gate.Gate{tg, ImpIDMatch(), ad, bs, as, BcatCompliance()}, nil
}

// views returns the evaluation's request and response views (nil when
// absent or of another type).
func views(ev *gate.Evaluation) (*Request, *Response) {
	req, _ := ev.Input.(*Request)
	resp, _ := ev.Output.(*Response)
	return req, resp
}

const (
	reasonNoResponse = "output is not an *rtb.Response"
	reasonNoRequest  = "input is not an *rtb.Request"
	reasonNoBids     = "no bids in response"
	reasonNoImps     = "no impressions in request"
)

// cheap marks every RTB gate as gate.Cheap: a few comparisons per bid,
// timed as a batch by the engine.
type cheap struct{}

func (cheap) Cheap() bool { return true }

func failBid(reason string, i int) gate.Outcome {
	return gate.Outcome{Reason: reason, Details: i}
}
