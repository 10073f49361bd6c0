// Package hmacvectors holds the known-answer vectors for X-Pecta-Signature
// that the tests of several packages check against. They were computed with
// openssl, never by the code under test (see vectors.tsv).
package hmacvectors

import (
	_ "embed"
	"strconv"
	"strings"
)

//go:embed vectors.tsv
var raw string

// Vector is one known answer: Header is the X-Pecta-Signature value of Body
// under Key.
type Vector struct {
	Key, Body, Header string
}

// All returns every vector. It panics on a malformed line: the file is
// part of the source tree.
func All() []Vector {
	var out []Vector
	for _, line := range strings.Split(raw, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			panic("hmacvectors: malformed line " + strconv.Quote(line))
		}
		body, err := strconv.Unquote(parts[1])
		if err != nil {
			panic("hmacvectors: malformed body " + parts[1])
		}
		out = append(out, Vector{Key: parts[0], Body: body, Header: parts[2]})
	}
	return out
}
