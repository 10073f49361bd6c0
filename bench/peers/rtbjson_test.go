package peers

import (
	"os"
	"testing"

	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
)

func rtbFixtures(tb testing.TB) (req, resp []byte) {
	tb.Helper()
	var err error
	if req, err = os.ReadFile("../testdata/rtb-request.json"); err != nil {
		tb.Fatal(err)
	}
	if resp, err = os.ReadFile("../testdata/rtb-response.json"); err != nil {
		tb.Fatal(err)
	}
	return req, resp
}

type rtbParser struct {
	name string
	req  func([]byte, *rtb.Request) error
	resp func([]byte, *rtb.Response) error
}

func rtbParsers() []rtbParser {
	fj := &FastJSON{}
	return []rtbParser{
		{"scanner", rtb.ParseRequest, rtb.ParseResponse},
		{"jsonparser", JSONParserRequest, JSONParserResponse},
		{"fastjson", fj.Request, fj.Response},
		{"encoding-json", StdRequest, StdResponse},
	}
}

// TestRTBParsersAgree checks that every alternative reads the fixtures
// into the same views as the shipped scanner.
func TestRTBParsersAgree(t *testing.T) {
	reqJSON, respJSON := rtbFixtures(t)
	var want rtb.Request
	var wantResp rtb.Response
	if err := rtb.ParseRequest(reqJSON, &want); err != nil {
		t.Fatal(err)
	}
	if err := rtb.ParseResponse(respJSON, &wantResp); err != nil {
		t.Fatal(err)
	}
	for _, p := range rtbParsers()[1:] {
		var req rtb.Request
		var resp rtb.Response
		if err := p.req(reqJSON, &req); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if err := p.resp(respJSON, &resp); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if req.ID != want.ID || req.TmaxMS != want.TmaxMS || len(req.Imps) != len(want.Imps) || len(req.Bcat) != len(want.Bcat) ||
			len(req.Badv) != len(want.Badv) || len(req.Cat) != len(want.Cat) || req.COPPA != want.COPPA {
			t.Fatalf("%s: request %+v, want %+v", p.name, req, want)
		}
		for i := range want.Imps {
			if req.Imps[i] != want.Imps[i] {
				t.Fatalf("%s: imp %d: %+v", p.name, i, req.Imps[i])
			}
		}
		if len(resp.Bids) != len(wantResp.Bids) {
			t.Fatalf("%s: %d bids", p.name, len(resp.Bids))
		}
		for i, b := range wantResp.Bids {
			g := resp.Bids[i]
			if g.ImpID != b.ImpID || g.Price != b.Price || len(g.Adomain) != len(b.Adomain) || len(g.Cat) != len(b.Cat) {
				t.Fatalf("%s: bid %d: %+v", p.name, i, g)
			}
		}
	}
}

// BenchmarkRTBParse reads the request (2.4 KB) and response (1.3 KB)
// fixtures into reused views with each alternative.
func BenchmarkRTBParse(b *testing.B) {
	reqJSON, respJSON := rtbFixtures(b)
	for _, p := range rtbParsers() {
		b.Run(p.name, func(b *testing.B) {
			var req rtb.Request
			var resp rtb.Response
			b.ReportAllocs()
			b.SetBytes(int64(len(reqJSON) + len(respJSON)))
			for b.Loop() {
				if p.req(reqJSON, &req) != nil || p.resp(respJSON, &resp) != nil {
					b.Fatal("parse failed")
				}
			}
		})
	}
}
