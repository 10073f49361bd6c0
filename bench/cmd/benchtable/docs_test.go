package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsMatchResults fails when a figure of README.md or docs/*.md is not
// the one in bench/results: regenerate them with
//
//	go run ./bench/cmd/benchtable -docs
func TestDocsMatchResults(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	stale, err := updateDocs(root, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range stale {
		t.Errorf("%s: its figures differ from bench/results/*.json: run `go run ./bench/cmd/benchtable -docs` in the repository's root", f)
	}
}

// TestDocsBlocks checks that every block renders from the results files and
// that a block with an unknown name is an error.
func TestDocsBlocks(t *testing.T) {
	r, err := loadResults(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for name, render := range renderers {
		if strings.TrimSpace(render(r)) == "" {
			t.Errorf("block %q renders nothing from bench/results", name)
		}
	}
	doc := []byte("a\n<!-- benchtable:track -->\nold\n<!-- /benchtable:track -->\nb\n")
	out, err := regenerate(doc, r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "old") || !strings.Contains(string(out), "| path |") || !strings.HasSuffix(string(out), "-->\nb\n") {
		t.Errorf("regenerate:\n%s", out)
	}
	if _, err := regenerate([]byte("<!-- benchtable:nope -->\n<!-- /benchtable:nope -->"), r); err == nil {
		t.Error("an unknown block was accepted")
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		ns   float64
		want string
	}{{11.255, "11.3 ns"}, {90, "90 ns"}, {0.5, "0.5 ns"}, {6.1105, "6.11 ns"}, {76.12, "76.1 ns"}, {131.7, "132 ns"}, {5082.5, "5.08 µs"}, {14702, "14.7 µs"}, {16460281.5, "16.5 ms"}} {
		if got := dur(tt.ns); got != tt.want {
			t.Errorf("dur(%v) = %q, want %q", tt.ns, got, tt.want)
		}
	}
	if got := count(9599860); got != "9,599,860" {
		t.Errorf("count = %q", got)
	}
	r := row{Medians: map[string]float64{"ns/op": 5082.5}, Range: map[string][2]float64{"ns/op": {2800, 6100}}}
	if got := durSpread(r, "ns/op"); got != "5.08 µs [2.8–6.1]" {
		t.Errorf("durSpread = %q", got)
	}
}
