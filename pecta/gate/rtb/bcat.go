package rtb

import (
	"context"
	"strconv"
	"sync"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// BcatCompliance returns the gate "rtb.bcat-compliance" of the reference
// (https://docs.pecta.ai/gates/rtb/bcat-compliance): no category of a bid
// may be in the request's bcat. It fails with "blocked category in
// response: IAB25-2", naming the bid's category. Categories compare
// exactly, ignoring ASCII case, and (ours) a tier-1 code in bcat (IAB25)
// also blocks its subcategories (IAB25-3): the reference matches exact
// strings only, but a publisher blocking IAB25 blocks all of
// Non-Standard Content. It is skipped when there is nothing to check: no
// bcat in the request ("no bcat in request") or no bids ("no bids in
// response"). Details: the index of the failing bid (int).
func BcatCompliance() gate.Gate { return bcatCompliance{} }

type bcatCompliance struct{ cheap }

func (bcatCompliance) Name() string { return NameBcatCompliance }

func (bcatCompliance) Run(_ context.Context, ev *gate.Evaluation) gate.Outcome {
	req, resp := views(ev)
	switch {
	case resp == nil:
		return gate.Fail(reasonNoResponse)
	case req == nil:
		return gate.Fail(reasonNoRequest)
	case len(req.Bcat) == 0:
		return gate.Skip("no bcat in request")
	case len(resp.Bids) == 0:
		return gate.Skip(reasonNoBids)
	}
	f := newCatFilter(req.Bcat)
	for i := range resp.Bids {
		for _, c := range resp.Bids[i].Cat {
			if !f.mayMatch(c) {
				continue
			}
			for _, blocked := range req.Bcat {
				if catMatch(c, blocked) {
					return failBid(blockedReason(c), i)
				}
			}
		}
	}
	return gate.Pass()
}

// catFilter answers, without comparing strings, that a category matches
// no code of a list (a bloom filter of one hash): a bit per code, keyed by
// its length, its last two bytes and its middle byte (case folded), where
// IAB codes differ. catMatch still decides every category the filter lets
// through.
type catFilter struct {
	bits [16]uint64
	all  bool // a code too short for a key: let everything through
}

func newCatFilter(codes []string) (f catFilter) {
	for _, c := range codes {
		if len(c) < 2 {
			f.all = true
			return f
		}
		k := catKey(c)
		f.bits[k>>6] |= 1 << (k & 63)
	}
	return f
}

func catKey(s string) uint {
	n := len(s)
	return (uint(s[n-1]|0x20) + 31*uint(s[n-2]|0x20) + 961*uint(s[n/2]|0x20) + 29791*uint(n)) & 1023
}

func (f *catFilter) has(s string) bool {
	if len(s) < 2 {
		return false
	}
	k := catKey(s)
	return f.bits[k>>6]&(1<<(k&63)) != 0
}

// mayMatch reports whether cat may match a code of the filter: itself, or
// one of its prefixes that a '-' follows (a tier-1 code blocks its
// subcategories).
func (f *catFilter) mayMatch(cat string) bool {
	if f.all || f.has(cat) {
		return true
	}
	for i := 2; i < len(cat); i++ {
		if cat[i] == '-' && f.has(cat[:i]) {
			return true
		}
	}
	return false
}

// blockedReason returns the reason naming the bid's category c. The
// reasons of the IAB 1.0 codes as written (IAB1 ... IAB26-60) are built
// once, so that a failure does not allocate; another spelling allocates.
func blockedReason(c string) string {
	blockedReasonsOnce.Do(func() {
		blockedReasons = make(map[string]string, 26*61)
		for t := 1; t <= 26; t++ {
			code := "IAB" + strconv.Itoa(t)
			blockedReasons[code] = blockedPrefix + code
			for s := 1; s <= 60; s++ {
				sub := code + "-" + strconv.Itoa(s)
				blockedReasons[sub] = blockedPrefix + sub
			}
		}
	})
	if r, ok := blockedReasons[c]; ok {
		return r
	}
	return blockedPrefix + c
}

const blockedPrefix = "blocked category in response: "

var (
	blockedReasonsOnce sync.Once
	blockedReasons     map[string]string
)

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
