package rtb

import (
	"context"
	"errors"
	"strings"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// DefaultPlaceholderDomains are the advertiser domains the adomain gate
// refuses: the reference's built-in list
// (https://docs.pecta.ai/gates/rtb/adomain-verify).
var DefaultPlaceholderDomains = []string{
	"advertiserdomain.com", "example.com", "example.org", "example.net",
	"test.com", "placeholder.com", "localhost", "foo.com", "bar.com",
}

// AdomainOptions configure the adomain gate.
type AdomainOptions struct {
	// AllowMissing lets a bid without adomain pass (the reference's
	// requireAdomain: false). By default such a bid fails.
	AllowMissing bool
	// ExtraPlaceholders are refused too, like DefaultPlaceholderDomains
	// (compared lower-cased and trimmed).
	ExtraPlaceholders []string
}

// AdomainVerify returns the gate "rtb.adomain-verify" of the reference
// (https://docs.pecta.ai/gates/rtb/adomain-verify). For every bid, in
// order, it fails on:
//
//   - no adomain: "bid has no adomain" (unless AllowMissing);
//   - a placeholder domain: "placeholder adomain: example.com", naming the
//     placeholder (lower case) the domain matched. Domains are compared
//     trimmed, lower-cased and without a trailing dot, as the reference
//     compares them; a subdomain of a placeholder (www.example.com) is a
//     placeholder too (ours: RFC 2606 reserves example.com and every name
//     under it, and a bidder sending www.example.com has no real
//     advertiser domain either);
//   - a domain that is not a well-formed hostname: "invalid adomain
//     format" (labels of letters, digits and inner hyphens, at least two,
//     a top-level domain that is not numeric, no scheme, port or path);
//   - a domain in the request's badv, or a subdomain of one: "adomain
//     blocked by badv" (ours: OpenRTB's badv, which the exchange enforces).
//
// A response without bids passes. Details: the index of the failing bid
// (int).
func AdomainVerify(o AdomainOptions) (gate.Gate, error) {
	g := &adomainVerify{requireAdomain: !o.AllowMissing}
	for _, p := range append(DefaultPlaceholderDomains[:len(DefaultPlaceholderDomains):len(DefaultPlaceholderDomains)], o.ExtraPlaceholders...) {
		p = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(p)), ".")
		if p == "" {
			return nil, errors.New("rtb: adomain verify: empty placeholder domain")
		}
		g.placeholders = append(g.placeholders, placeholder{domain: p, reason: "placeholder adomain: " + p})
	}
	return g, nil
}

type placeholder struct{ domain, reason string }

type adomainVerify struct {
	cheap
	requireAdomain bool
	placeholders   []placeholder
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
				return failBid("bid has no adomain", i)
			}
			continue
		}
		for _, d := range b.Adomain {
			d = trimDomain(d)
			for k := range g.placeholders {
				if domainMatch(d, g.placeholders[k].domain) {
					return failBid(g.placeholders[k].reason, i)
				}
			}
			if !validHostname(d) {
				return failBid("invalid adomain format", i)
			}
			if req != nil {
				for _, blocked := range req.Badv {
					if domainMatch(d, trimDomain(blocked)) {
						return failBid("adomain blocked by badv", i)
					}
				}
			}
		}
	}
	return gate.Pass()
}

// trimDomain trims white space and a trailing dot.
func trimDomain(d string) string {
	if len(d) > 0 && (d[0] <= ' ' || d[len(d)-1] <= ' ' || d[0] >= 0x80 || d[len(d)-1] >= 0x80) {
		d = strings.TrimSpace(d)
	}
	if len(d) > 0 && d[len(d)-1] == '.' {
		d = d[:len(d)-1]
	}
	return d
}

// domainMatch reports whether d is base or a subdomain of it, ignoring
// ASCII case (a hostname is ASCII: anything else fails the format check).
func domainMatch(d, base string) bool {
	n := len(d) - len(base)
	if base == "" || n < 0 || n > 0 && d[n-1] != '.' || d[n]|0x20 != base[0]|0x20 {
		return false
	}
	return foldEqual(d[n:], base)
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
