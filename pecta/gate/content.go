package gate

import (
	"context"
	"errors"
	"strings"
)

// DefaultRefusals are the refusal phrases the content gate looks for, in
// lower case: every row of the pattern table of the reference's content
// gate page (https://docs.pecta.ai/gates/content, "AI refusal phrase
// detection"; rows with two spellings, "i can't help / i cannot help",
// give both), then phrases of our own that the table does not list. An
// apostrophe also matches the typographic one (’).
var DefaultRefusals = []string{
	// the reference table, in its order
	"i don't have access", "i do not have access",
	"i don't have the ability", "i do not have the ability",
	"i can't do", "i cannot do",
	"i can't help", "i cannot help",
	"i can't provide", "i cannot provide",
	"i can't access", "i cannot access",
	"i can't complete", "i cannot complete",
	"i can't fulfill", "i cannot fulfill",
	"i can't assist", "i cannot assist",
	"as an ai language model",
	"as an ai model",
	"i'm an ai", "i am an ai", "i'm just an ai",
	// ours
	"i am just an ai", "i'm only an ai",
	"i'm unable to help", "i am unable to help",
	"i'm sorry, but i can't", "i'm sorry, but i cannot",
	"i won't be able to help",
}

// ContentOptions configure the content gate. Both checks are on by
// default; the Disable fields turn one off.
type ContentOptions struct {
	Name           string   // default "content"
	DisableEmpty   bool     // empty output
	DisableRefusal bool     // refusal phrases
	ExtraRefusals  []string // phrases added to DefaultRefusals (matched ignoring ASCII case)
}

// Content returns a gate that fails on:
//
//   - empty output, reason "empty output": nil, a string that is empty or
//     only whitespace (JavaScript's trim), an empty slice or map, a nil
//     pointer, or raw JSON that is null, "", [] or {}. 0, false and " x "
//     are not empty.
//   - a refusal, reason "refusal detected": a phrase of DefaultRefusals (or
//     ExtraRefusals) in any string of the output, at any depth, ignoring
//     ASCII case.
//
// A phrase matches as whole words: it starts and ends at a word boundary
// (a word character is a letter, digit or underscore, as \b in the
// reference's regular expressions), so "I can't doubt it" and "I'm an aid
// worker" are not refusals. The reference does not say where its phrases
// end; we chose whole words because the table lists phrases, not
// prefixes. "I can't help but ..." (an idiom, not a refusal) is not a
// refusal either.
//
// It refuses an empty extra phrase.
func Content(o ContentOptions) (Gate, error) {
	if o.Name == "" {
		o.Name = "content"
	}
	g := &contentGate{name: o.Name, empty: !o.DisableEmpty, refusal: !o.DisableRefusal}
	for _, p := range append(DefaultRefusals[:len(DefaultRefusals):len(DefaultRefusals)], o.ExtraRefusals...) {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			return nil, errors.New("pecta/gate: content: empty refusal phrase")
		}
		g.c.add(p)
	}
	return g, nil
}

type contentGate struct {
	name           string
	empty, refusal bool
	c              refusalChecker
}

func (g *contentGate) Name() string { return g.name }

func (g *contentGate) Run(_ context.Context, ev *Evaluation) Outcome {
	if g.empty && isEmpty(ev.Output) {
		return Fail("empty output")
	}
	if g.refusal && walkStrings(ev.Output, &g.c) != 0 {
		return Fail("refusal detected")
	}
	return Pass()
}

// refusalChecker finds phrases by their first two bytes (lower case): a
// position is tried only when its two bytes start some phrase.
type refusalChecker struct {
	first  [256]bool // first bytes of the phrases, both cases
	groups []phraseGroup
}

type phraseGroup struct {
	prefix  [2]byte // lower case; prefix[1] is 0 for a one-byte phrase
	phrases []string
}

func (c *refusalChecker) add(p string) {
	var key [2]byte
	key[0] = p[0]
	if len(p) > 1 {
		key[1] = p[1]
	}
	c.first[p[0]] = true
	if p[0] >= 'a' && p[0] <= 'z' {
		c.first[p[0]-'a'+'A'] = true
	}
	for i := range c.groups {
		if c.groups[i].prefix == key {
			c.groups[i].phrases = append(c.groups[i].phrases, p)
			return
		}
	}
	c.groups = append(c.groups, phraseGroup{prefix: key, phrases: []string{p}})
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// isWordByte reports whether b is a word character of a JavaScript
// regular expression (\w: letters, digits, underscore).
func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
}

func (c *refusalChecker) check(s string) int {
	for i := 0; i < len(s); i++ {
		if !c.first[s[i]] || (i > 0 && isWordByte(s[i-1])) {
			continue
		}
		b0 := lower(s[i])
		var b1 byte
		if i+1 < len(s) {
			b1 = lower(s[i+1])
		}
		for g := range c.groups {
			grp := &c.groups[g]
			if grp.prefix[0] != b0 || (grp.prefix[1] != 0 && grp.prefix[1] != b1 && grp.prefix[1] != '\'') {
				continue
			}
			for _, p := range grp.phrases {
				end := matchFold(s, i, p)
				if end < 0 || isWordByte(p[len(p)-1]) && end < len(s) && isWordByte(s[end]) {
					continue
				}
				if strings.HasSuffix(p, "help") && hasPrefixFold(s[end:], " but") {
					continue // "I can't help but notice"
				}
				return 1
			}
		}
	}
	return 0
}

// matchFold matches the lower-case phrase p at s[i], ignoring ASCII case;
// an apostrophe in p also matches U+2019. It returns the end of the match
// in s, or -1.
func matchFold(s string, i int, p string) int {
	j := i
	for k := 0; k < len(p); k++ {
		if j >= len(s) {
			return -1
		}
		if p[k] == '\'' && strings.HasPrefix(s[j:], "\u2019") {
			j += len("\u2019")
			continue
		}
		if lower(s[j]) != p[k] {
			return -1
		}
		j++
	}
	return j
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}
