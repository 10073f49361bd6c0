package pectatest_test

import (
	"os"
	"strings"
	"testing"
)

// TestDocExampleIsThisFile checks that the test shown in the package documentation is
// doc_example_test.go, which the test run compiles and runs: pasted as a test, the example
// works.
func TestDocExampleIsThisFile(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("doc_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "//\tpackage mypkg_test\n")
	if !ok {
		t.Fatal("doc.go: example not found")
	}
	var shown []string
	for _, line := range strings.Split(after, "\n") {
		if l, ok := strings.CutPrefix(line, "//\t"); ok {
			shown = append(shown, l)
		} else if line == "//" {
			shown = append(shown, "")
		} else {
			break
		}
	}
	_, code, _ := strings.Cut(string(file), "package pectatest_test\n")
	if got, want := strings.TrimSpace(strings.Join(shown, "\n")), strings.TrimSpace(code); got != want {
		t.Errorf("the example in doc.go differs from doc_example_test.go:\n--- doc.go\n%s\n--- doc_example_test.go\n%s", got, want)
	}
}
