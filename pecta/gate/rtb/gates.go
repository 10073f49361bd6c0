package rtb

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

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
)

// ---- tmax guard

// DefaultTmaxBufferMS is the tmax guard's default buffer.
const DefaultTmaxBufferMS = 15

// TmaxGuardOptions configure the tmax guard.
type TmaxGuardOptions struct {
	// BufferMS is the time, in milliseconds, the bidder needs to answer
	// after the gates (default 15). Negative is refused.
	BufferMS float64
}

// TmaxGuard returns the gate "rtb.tmax-guard". It is skipped, and ends the
// evaluation (the other gates are reported skipped), when less than
// BufferMS of the bid's time is left: tmax - (now - StartedAt) < BufferMS,
// where tmax is Evaluation.TmaxMS or else the request's tmax. It passes
// when tmax or StartedAt is unknown. List it first.
func TmaxGuard(o TmaxGuardOptions) (gate.Gate, error) {
	if o.BufferMS < 0 || math.IsNaN(o.BufferMS) || math.IsInf(o.BufferMS, 0) {
		return nil, errors.New("rtb: tmax guard: BufferMS must be a finite number >= 0")
	}
	if o.BufferMS == 0 {
		o.BufferMS = DefaultTmaxBufferMS
	}
	return &tmaxGuard{buffer: o.BufferMS, reason: "less than " + strconv.FormatFloat(o.BufferMS, 'f', -1, 64) + "ms of tmax left"}, nil
}

type tmaxGuard struct {
	buffer float64
	reason string
}

func (*tmaxGuard) Name() string { return NameTmaxGuard }

func (g *tmaxGuard) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	tmax := ev.TmaxMS
	if tmax == 0 {
		if req, _ := views(ev); req != nil {
			tmax = float64(req.TmaxMS)
		}
	}
	if tmax <= 0 || ev.StartedAt.IsZero() {
		return gate.Pass()
	}
	elapsed := float64(time.Since(ev.StartedAt)) / 1e6
	if tmax-elapsed < g.buffer {
		return gate.Outcome{Passed: true, Skipped: true, EndPipeline: true, Reason: g.reason}
	}
	return gate.Pass()
}

// ---- impid match

// ImpIDMatch returns the gate "rtb.impid-match": every bid's impid must be
// the id of one of the request's impressions. Reasons "bid missing impid",
// "bid impid not present in request". Details: the index of the first
// failing bid in Response.Bids (int).
func ImpIDMatch() gate.Gate { return impIDMatch{} }

type impIDMatch struct{}

func (impIDMatch) Name() string { return NameImpIDMatch }

func (impIDMatch) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	if resp == nil {
		return gate.Fail(reasonNoResponse)
	}
	if req == nil {
		return gate.Fail(reasonNoRequest)
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

func failBid(reason string, i int) gate.Outcome {
	return gate.Outcome{Reason: reason, Details: i}
}

// ---- adomain verify

// DefaultPlaceholderDomains are the advertiser domains the adomain gate
// refuses (each also with any subdomain: www.example.com).
var DefaultPlaceholderDomains = []string{
	"advertiserdomain.com", "example.com", "example.org", "example.net",
	"test.com", "placeholder.com", "localhost", "foo.com", "bar.com",
}

// AdomainOptions configure the adomain gate.
type AdomainOptions struct {
	// AllowMissing lets a bid without adomain pass (default: such a bid
	// fails, requireAdomain).
	AllowMissing bool
	// ExtraPlaceholders are refused too, like DefaultPlaceholderDomains.
	ExtraPlaceholders []string
}

// AdomainVerify returns the gate "rtb.adomain-verify". For every bid it
// fails on: no adomain ("bid missing adomain", unless AllowMissing); a
// domain that is not a well-formed hostname ("malformed adomain": labels
// of letters, digits and inner hyphens, at least two, a top-level domain
// that is not numeric, no scheme, port or path); a placeholder domain or a
// subdomain of one ("placeholder adomain"); a domain in the request's badv
// or a subdomain of one ("adomain blocked by badv"). Comparisons ignore
// case and a trailing dot. Details: the index of the failing bid (int).
func AdomainVerify(o AdomainOptions) (gate.Gate, error) {
	g := &adomainVerify{requireAdomain: !o.AllowMissing}
	for _, p := range append(DefaultPlaceholderDomains[:len(DefaultPlaceholderDomains):len(DefaultPlaceholderDomains)], o.ExtraPlaceholders...) {
		p = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(p)), ".")
		if p == "" {
			return nil, errors.New("rtb: adomain verify: empty placeholder domain")
		}
		g.placeholders = append(g.placeholders, p)
	}
	return g, nil
}

type adomainVerify struct {
	requireAdomain bool
	placeholders   []string
}

func (*adomainVerify) Name() string { return NameAdomainVerify }

func (g *adomainVerify) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	if resp == nil {
		return gate.Fail(reasonNoResponse)
	}
	for i := range resp.Bids {
		b := &resp.Bids[i]
		if len(b.Adomain) == 0 {
			if g.requireAdomain {
				return failBid("bid missing adomain", i)
			}
			continue
		}
		for _, d := range b.Adomain {
			d = strings.TrimSuffix(d, ".")
			for _, p := range g.placeholders {
				if domainMatch(d, p) {
					return failBid("placeholder adomain", i)
				}
			}
			if !validHostname(d) {
				return failBid("malformed adomain", i)
			}
			if req != nil {
				for _, blocked := range req.Badv {
					if domainMatch(d, strings.TrimSuffix(blocked, ".")) {
						return failBid("adomain blocked by badv", i)
					}
				}
			}
		}
	}
	return gate.Pass()
}

// domainMatch reports whether d is base or a subdomain of it, ignoring
// ASCII case.
func domainMatch(d, base string) bool {
	if base == "" || len(d) < len(base) {
		return false
	}
	if !strings.EqualFold(d[len(d)-len(base):], base) {
		return false
	}
	return len(d) == len(base) || d[len(d)-len(base)-1] == '.'
}

// validHostname reports whether d is a well-formed DNS hostname with at
// least two labels and a non-numeric top-level domain.
func validHostname(d string) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	labels, start := 0, 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		l := d[start:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		if i == len(d) { // top-level domain: not all digits
			numeric := true
			for k := 0; k < len(l); k++ {
				if l[k] < '0' || l[k] > '9' {
					numeric = false
					break
				}
			}
			if numeric {
				return false
			}
		}
		start = i + 1
	}
	return labels >= 2
}

// ---- bid sanity

// DefaultMaxFloorMultiple is the bid sanity gate's default limit on
// price / imp.bidfloor.
const DefaultMaxFloorMultiple = 50

// BidSanityOptions configure the bid sanity gate.
type BidSanityOptions struct {
	// MaxFloorMultiple: a bid above this multiple of its impression's
	// bidfloor fails (default 50; must be >= 1).
	MaxFloorMultiple float64
	// MaxPrice: a hard cap on the bid price, CPM in the bid's currency
	// (default 0: unlimited).
	MaxPrice float64
	// AllowBelowFloor lets a bid under its impression's bidfloor pass
	// (by default it fails: the exchange would drop it).
	AllowBelowFloor bool
}

// BidSanity returns the gate "rtb.bid-sanity". For every bid it fails on: a
// missing price ("bid missing price"); a negative or non-finite price
// ("bid price negative", "bid price not finite"); a price above MaxPrice
// ("bid price above the <MaxPrice> cap"); a price above MaxFloorMultiple
// times the impression's bidfloor ("bid price above <N>x the imp
// bidfloor"); and, unless AllowBelowFloor, a price under the bidfloor
// ("bid price below the imp bidfloor"). A price of 0 passes; the floor
// checks apply when the bid's impression is found and has a floor.
// Details: the index of the failing bid (int).
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
	o                      BidSanityOptions
	capReason, floorReason string
}

func (*bidSanity) Name() string { return NameBidSanity }

func (g *bidSanity) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	if resp == nil {
		return gate.Fail(reasonNoResponse)
	}
	for i := range resp.Bids {
		p := resp.Bids[i].Price
		switch {
		case math.IsNaN(p):
			return failBid("bid missing price", i)
		case math.IsInf(p, 0):
			return failBid("bid price not finite", i)
		case p < 0:
			return failBid("bid price negative", i)
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
		if p > imp.BidFloor*g.o.MaxFloorMultiple {
			return failBid(g.floorReason, i)
		}
		if !g.o.AllowBelowFloor && p < imp.BidFloor {
			return failBid("bid price below the imp bidfloor", i)
		}
	}
	return gate.Pass()
}

// ---- audience safety

// DefaultUnsafeCategories are the IAB content categories (1.0 taxonomy)
// the audience safety gate refuses on child-directed requests. A tier-1
// code (IAB25) covers its subcategories (IAB25-3).
var DefaultUnsafeCategories = []string{
	"IAB25",   // Non-Standard Content (pornography, profanity, hate, violence ...)
	"IAB26",   // Illegal Content
	"IAB7-39", // Sexuality
	"IAB8-5",  // Cocktails/Beer
	"IAB8-18", // Wine
	"IAB9-9",  // Cigars
	"IAB14-1", // Dating
}

// DefaultChildBundleKeywords mark an app bundle as child-directed when one
// of them is in it (ignoring case).
var DefaultChildBundleKeywords = []string{"kids", "child", "baby", "toddler", "preschool", "nursery"}

// AudienceSafetyOptions configure the audience safety gate.
type AudienceSafetyOptions struct {
	// UnsafeCategories replaces DefaultUnsafeCategories when not nil.
	UnsafeCategories []string
	// ExtraBundleKeywords are added to DefaultChildBundleKeywords.
	ExtraBundleKeywords []string
}

// AudienceSafety returns the gate "rtb.audience-safety". On a
// child-directed request (regs.coppa = 1, or an app bundle holding a child
// keyword) a bid with an unsafe category fails: "unsafe category on a COPPA
// request" or "unsafe category on a child-directed app". Other requests
// pass. Details: the index of the failing bid (int).
func AudienceSafety(o AudienceSafetyOptions) (gate.Gate, error) {
	g := &audienceSafety{unsafe: DefaultUnsafeCategories}
	if o.UnsafeCategories != nil {
		g.unsafe = nil
		for _, c := range o.UnsafeCategories {
			if c = strings.TrimSpace(c); c == "" {
				return nil, errors.New("rtb: audience safety: empty category")
			}
			g.unsafe = append(g.unsafe, c)
		}
	}
	for _, k := range append(DefaultChildBundleKeywords[:len(DefaultChildBundleKeywords):len(DefaultChildBundleKeywords)], o.ExtraBundleKeywords...) {
		if k = strings.ToLower(strings.TrimSpace(k)); k == "" {
			return nil, errors.New("rtb: audience safety: empty bundle keyword")
		}
		g.keywords = append(g.keywords, k)
	}
	return g, nil
}

type audienceSafety struct {
	unsafe, keywords []string
}

func (*audienceSafety) Name() string { return NameAudienceSafety }

func (g *audienceSafety) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	if resp == nil {
		return gate.Fail(reasonNoResponse)
	}
	if req == nil {
		return gate.Pass()
	}
	reason := ""
	switch {
	case req.COPPA:
		reason = "unsafe category on a COPPA request"
	case g.childBundle(req.Bundle):
		reason = "unsafe category on a child-directed app"
	default:
		return gate.Pass()
	}
	for i := range resp.Bids {
		for _, c := range resp.Bids[i].Cat {
			for _, u := range g.unsafe {
				if catMatch(c, u) {
					return failBid(reason, i)
				}
			}
		}
	}
	return gate.Pass()
}

func (g *audienceSafety) childBundle(b string) bool {
	if b == "" {
		return false
	}
	for _, k := range g.keywords {
		for i := 0; i+len(k) <= len(b); i++ {
			if strings.EqualFold(b[i:i+len(k)], k) {
				return true
			}
		}
	}
	return false
}

// catMatch reports whether the category cat is code or one of its
// subcategories (code "IAB25" matches "IAB25-3", not "IAB250"), ignoring
// ASCII case.
func catMatch(cat, code string) bool {
	if len(cat) < len(code) || !foldEqual(cat[:len(code)], code) {
		return false
	}
	return len(cat) == len(code) || cat[len(code)] == '-'
}

// foldEqual reports whether a and b (of the same length) are equal,
// ignoring ASCII case; it stops at the first difference.
func foldEqual(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}

// ---- bcat compliance

// BcatCompliance returns the gate "rtb.bcat-compliance": no category of a
// bid may be in the request's bcat ("bid category blocked by bcat"). A
// tier-1 code in bcat (IAB25) also blocks its subcategories (IAB25-3).
// Details: the index of the failing bid (int).
func BcatCompliance() gate.Gate { return bcatCompliance{} }

type bcatCompliance struct{}

func (bcatCompliance) Name() string { return NameBcatCompliance }

func (bcatCompliance) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	if resp == nil {
		return gate.Fail(reasonNoResponse)
	}
	if req == nil || len(req.Bcat) == 0 {
		return gate.Pass()
	}
	for i := range resp.Bids {
		for _, c := range resp.Bids[i].Cat {
			for _, blocked := range req.Bcat {
				if catMatch(c, blocked) {
					return failBid("bid category blocked by bcat", i)
				}
			}
		}
	}
	return gate.Pass()
}
