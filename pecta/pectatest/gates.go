package pectatest

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// The three cloud gates of POST /v1/evaluate, with deliberately simple rules. Each scans
// the output both as received (raw JSON) and as the text of its decoded strings, case
// insensitively.
var (
	filesystemPatterns = []string{"rm -rf", "rm -fr", "/etc/passwd", "/etc/shadow", "mkfs", "dd if=", "chmod -r 777", ":(){ :|:& };:"}
	contentPatterns    = []string{"drop table", "<script", "javascript:", "union select"}

	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	ssnRE   = regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`)
	cardRE  = regexp.MustCompile(`\b(?:\d{13,16}|\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,4})\b`)
)

// gate is one cloud gate: it returns a reason when the text fails it, "" when it passes.
type gate struct {
	name  string
	check func(text string) string
}

var cloudGates = []gate{
	{name: "filesystem", check: func(text string) string {
		if p := firstContained(text, filesystemPatterns); p != "" {
			return "destructive filesystem pattern: " + p
		}
		return ""
	}},
	{name: "pii", check: func(text string) string {
		// Reasons never echo the personal data found.
		switch {
		case emailRE.MatchString(text):
			return "email address detected"
		case ssnRE.MatchString(text):
			return "US social security number detected"
		case cardRE.MatchString(text):
			return "payment card number detected"
		}
		return ""
	}},
	{name: "content", check: func(text string) string {
		if p := firstContained(text, contentPatterns); p != "" {
			return "blocked content: " + p
		}
		return ""
	}},
}

func firstContained(text string, patterns []string) string {
	lower := strings.ToLower(text)
	for _, p := range patterns {
		if strings.Contains(lower, p) {
			return p
		}
	}
	return ""
}

// scanText is the text the gates scan: the raw JSON followed by every decoded string.
func scanText(output json.RawMessage) string {
	var b strings.Builder
	b.Write(output)
	var v any
	if json.Unmarshal(output, &v) == nil {
		collectStrings(&b, v)
	}
	return b.String()
}

func collectStrings(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteByte('\n')
		b.WriteString(x)
	case []any:
		for _, e := range x {
			collectStrings(b, e)
		}
	case map[string]any:
		for k, e := range x {
			b.WriteByte('\n')
			b.WriteString(k)
			collectStrings(b, e)
		}
	}
}

// runGates runs the cloud gates over output.
func runGates(output json.RawMessage) (gates []Gate, passed bool, totalMS float64) {
	text := scanText(output)
	passed = true
	for _, g := range cloudGates {
		start := time.Now()
		reason := g.check(text)
		ms := float64(time.Since(start).Microseconds()) / 1000
		gates = append(gates, Gate{Name: g.name, Passed: reason == "", LatencyMS: ms, Reason: reason})
		passed = passed && reason == ""
		totalMS += ms
	}
	return gates, passed, totalMS
}
