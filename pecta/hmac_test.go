package pecta

import (
	"context"
	"testing"

	"github.com/pecta-ai/pecta-go/internal/hmacsig/hmacvectors"
)

// TestSignatureKnownAnswers checks the X-Pecta-Signature the client sends
// against vectors computed with openssl (internal/hmacsig/hmacvectors).
func TestSignatureKnownAnswers(t *testing.T) {
	n := 0
	for _, v := range hmacvectors.All() {
		if v.Body == "" {
			continue // an empty body is refused; covered in internal/hmacsig
		}
		s := newScript(t, reply(202, `{"accepted":1}`))
		c := newTestClient(t, s.URL, testPK, WithSecretKey(v.Key))
		if _, err := c.ingestBatch(context.Background(), []byte(v.Body), "", nil); err != nil {
			t.Fatal(err)
		}
		r := s.requests()[0]
		if got := r.Header.Get("X-Pecta-Signature"); got != v.Header {
			t.Errorf("signature = %s, want %s", got, v.Header)
		}
		if string(r.Body) != v.Body {
			t.Errorf("body changed on the wire")
		}
		n++
	}
	if n < 3 {
		t.Fatalf("only %d vectors", n)
	}
}
