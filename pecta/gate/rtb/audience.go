package rtb

import (
	"context"
	"errors"
	"strings"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// DefaultUnsafeCategories are the IAB content categories (taxonomy 1.0)
// the audience safety gate refuses on child-directed inventory: the
// reference's default list (https://docs.pecta.ai/gates/rtb/audience-safety),
// subcategories written out as the reference lists them. The reference
// labels IAB7-39 "Substance abuse"; in IAB 1.0 it is Sexuality (unsafe
// either way). IAB9-9 (Cigars) is not in the reference's list: add it
// with UnsafeCategories if tobacco must be refused too.
var DefaultUnsafeCategories = []string{
	"IAB7-39", // Sexuality
	"IAB8-5",  // Cocktails/Beer
	"IAB8-18", // Wine
	"IAB14-1", // Dating
	"IAB25",   // Non-Standard Content
	"IAB25-1", "IAB25-2", "IAB25-3", "IAB25-4", "IAB25-5", "IAB25-6", "IAB25-7",
	"IAB26", // Illegal Content
	"IAB26-1", "IAB26-2", "IAB26-3", "IAB26-4",
}

// DefaultChildBundleKeywords mark an app bundle as child-directed when one
// of them is in it (ignoring case): the reference's list.
var DefaultChildBundleKeywords = []string{"kids", "child", "children", "toddler", "preschool", "baby"}

// AudienceSafetyOptions configure the audience safety gate.
type AudienceSafetyOptions struct {
	// UnsafeCategories replaces DefaultUnsafeCategories when not nil (an
	// empty, non-nil list refuses no category).
	UnsafeCategories []string
	// ExtraBundleKeywords are added to DefaultChildBundleKeywords.
	ExtraBundleKeywords []string
	// ChildCategories are content categories of the site or app (site.cat,
	// app.cat) that mark the inventory as child-directed. Default: none.
	// The reference uses IAB13, which it calls children's content; in the
	// IAB 1.0 taxonomy OpenRTB uses, IAB13 is Personal Finance, so we do not
	// (it would treat every finance site as child-directed). IAB 1.0 has no
	// children's-content category; list your own here.
	ChildCategories []string
}

// AudienceSafety returns the gate "rtb.audience-safety" of the reference
// (https://docs.pecta.ai/gates/rtb/audience-safety). Inventory is
// child-directed when regs.coppa is 1, the app bundle holds a child
// keyword, or site.cat/app.cat holds one of ChildCategories. On such
// inventory a bid with an unsafe category fails: "child-directed
// inventory served unsafe category: IAB8-5", naming the unsafe category
// the bid's category matched (exactly, ignoring case; else a tier-1 entry
// such as IAB25 covers its subcategories). On other inventory there is
// nothing to check: it is skipped ("inventory is not child-directed").
// Details: the index of the failing bid (int).
func AudienceSafety(o AudienceSafetyOptions) (gate.Gate, error) {
	g := &audienceSafety{}
	unsafe := DefaultUnsafeCategories
	if o.UnsafeCategories != nil {
		unsafe = o.UnsafeCategories
	}
	for _, c := range unsafe {
		if c = strings.TrimSpace(c); c == "" {
			return nil, errors.New("rtb: audience safety: empty category")
		}
		g.unsafe = append(g.unsafe, category{code: c, reason: "child-directed inventory served unsafe category: " + c})
	}
	for _, k := range append(DefaultChildBundleKeywords[:len(DefaultChildBundleKeywords):len(DefaultChildBundleKeywords)], o.ExtraBundleKeywords...) {
		if k = strings.ToLower(strings.TrimSpace(k)); k == "" {
			return nil, errors.New("rtb: audience safety: empty bundle keyword")
		}
		g.keywords = append(g.keywords, k)
	}
	for _, c := range o.ChildCategories {
		if c = strings.TrimSpace(c); c == "" {
			return nil, errors.New("rtb: audience safety: empty child category")
		}
		g.childCats = append(g.childCats, c)
	}
	return g, nil
}

// ReasonNotChildDirected is the reason of a skipped audience safety gate.
const ReasonNotChildDirected = "inventory is not child-directed"

type category struct{ code, reason string }

type audienceSafety struct {
	cheap
	unsafe              []category
	keywords, childCats []string
}

func (*audienceSafety) Name() string { return NameAudienceSafety }

func (g *audienceSafety) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	switch {
	case resp == nil:
		return gate.Fail(reasonNoResponse)
	case req == nil:
		return gate.Fail(reasonNoRequest)
	case !req.COPPA && !g.childBundle(req.Bundle) && !g.childCategory(req.Cat):
		return gate.Skip(ReasonNotChildDirected)
	}
	for i := range resp.Bids {
		for _, c := range resp.Bids[i].Cat {
			if k := g.match(c); k >= 0 {
				return failBid(g.unsafe[k].reason, i)
			}
		}
	}
	return gate.Pass()
}

// match returns the index of the unsafe category cat matches: exactly,
// else as a subcategory of a tier-1 entry; -1 if none.
func (g *audienceSafety) match(cat string) int {
	parent := -1
	for k := range g.unsafe {
		switch u := g.unsafe[k].code; {
		case len(cat) == len(u) && foldEqual(cat, u):
			return k
		case parent < 0 && catMatch(cat, u):
			parent = k
		}
	}
	return parent
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

func (g *audienceSafety) childCategory(cats []string) bool {
	for _, c := range cats {
		for _, k := range g.childCats {
			if catMatch(c, k) {
				return true
			}
		}
	}
	return false
}
