package pecta

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestSignatureKnownAnswers checks the X-Pecta-Signature the client sends
// against vectors computed with openssl (testdata/hmac_vectors.tsv).
func TestSignatureKnownAnswers(t *testing.T) {
	f, err := os.Open("testdata/hmac_vectors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("bad line %q", line)
		}
		body, err := strconv.Unquote(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		if body == "" {
			continue // IngestRaw refuses an empty body; covered in internal/hmacsig
		}
		s := newScript(t, reply(202, `{"accepted":1}`))
		c := newTestClient(t, s.URL, testPK, WithSecretKey(parts[0]))
		if _, err := c.IngestRaw(context.Background(), []byte(body), ""); err != nil {
			t.Fatal(err)
		}
		r := s.requests()[0]
		if got, want := r.Header.Get("X-Pecta-Signature"), "sha256="+parts[2]; got != want {
			t.Errorf("signature = %s, want %s", got, want)
		}
		if string(r.Body) != body {
			t.Errorf("body changed on the wire")
		}
		n++
	}
	if n < 3 {
		t.Fatalf("only %d vectors", n)
	}
}
