package rtb_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
)

func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func rtbEngine(tb testing.TB) *gate.Engine {
	tb.Helper()
	gs, err := rtb.Gates(rtb.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	e, err := gate.NewEngine(gs, gate.WithTimeout(time.Second))
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkRTBRaw parses the raw request and response and runs the six
// gates through the engine.
func BenchmarkRTBRaw(b *testing.B) {
	reqJSON, respJSON := fixture(b, "request.json"), fixture(b, "response.json")
	e := rtbEngine(b)
	var req rtb.Request
	var resp rtb.Response
	var res gate.Result
	ev := gate.Evaluation{AgentID: "bidder-1", Tool: "bid", Input: &req, Output: &resp}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(reqJSON) + len(respJSON)))
	for b.Loop() {
		if err := rtb.ParseRequest(reqJSON, &req); err != nil {
			b.Fatal(err)
		}
		if err := rtb.ParseResponse(respJSON, &resp); err != nil {
			b.Fatal(err)
		}
		ev.StartedAt = time.Now()
		if err := e.EvaluateInto(ctx, &ev, &res); err != nil {
			b.Fatal(err)
		}
		if !res.Passed {
			b.Fatalf("%+v", res.Gates)
		}
	}
}

// BenchmarkParse parses the raw request and response only.
func BenchmarkParse(b *testing.B) {
	reqJSON, respJSON := fixture(b, "request.json"), fixture(b, "response.json")
	var req rtb.Request
	var resp rtb.Response
	b.ReportAllocs()
	b.SetBytes(int64(len(reqJSON) + len(respJSON)))
	for b.Loop() {
		if err := rtb.ParseRequest(reqJSON, &req); err != nil {
			b.Fatal(err)
		}
		if err := rtb.ParseResponse(respJSON, &resp); err != nil {
			b.Fatal(err)
		}
	}
}
