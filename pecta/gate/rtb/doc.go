// Package rtb holds the real-time-bidding gates of the in-process engine
// (package gate) and the views they read: Request and Response, the
// OpenRTB 2.6 fields the gates need, and nothing else.
//
// # Views
//
// Fill the views from your own structs (the bidder usually has decoded the
// request already), or parse them from the raw JSON with ParseRequest and
// ParseResponse: a one-pass scanner decodes and validates only the fields
// of the views and skips the rest by structure, as the fastest JSON
// readers skip what they do not need: a string by jumping to its closing
// quote, an object or array (device, user, ext, a bid's adm) by scanning
// for its closing bracket, checking that strings end and brackets balance
// and match but not the grammar inside (see ParseRequest). Reused views
// keep their capacity, so parsing, like the gates and the engine, does not
// allocate in steady state. Parsed strings alias the input bytes.
//
// The scanner was chosen by measurement over github.com/buger/jsonparser
// and github.com/valyala/fastjson (bench/peers, BenchmarkRTBParse, same
// rounds; the figures are in docs/gates.md, from bench/results/gates.json),
// with no allocation; it checks the types of
// the fields it reads (fastjson's getters return zero for a wrong type)
// and reports a typed error naming the field; its strings alias the input
// rather than a parser's memory; and it adds no dependency. FuzzParseRequest
// and FuzzParseResponse check its strict mode (every skipped value
// validated) against encoding/json, and that the fast skip accepts all the
// strict mode accepts with the same views.
//
// # Gates
//
// Gates returns the six gates in the recommended order: TmaxGuard (ends the
// evaluation when less than 15 ms of tmax is left), ImpIDMatch,
// AdomainVerify, BidSanity, AudienceSafety and BcatCompliance. They expect
// Evaluation.Input to be a *Request and Evaluation.Output a *Response. Each
// follows its page of the public reference (https://docs.pecta.ai/gates/rtb/...):
// its reasons, and skipped (passed) when there is nothing to check (no
// bids, no impressions, no bcat, inventory not child-directed, no tmax);
// each gate's documentation says where it departs from the page, and why
// (OpenRTB and IAB 1.0 semantics), and testdata/reference holds the
// page's examples as test cases. Reasons are fixed texts, or name a
// placeholder domain or an IAB category as the reference's do; a failure
// costs no allocation. Details of a failure is the index of the first
// failing bid in Response.Bids. All six are gate.Cheap: the engine times
// them as one batch.
//
//	gates, _ := rtb.Gates(rtb.Options{})
//	eng, _ := gate.NewEngine(gates, gate.WithTimeout(15*time.Millisecond))
//	// per bid, with req and resp reused:
//	_ = rtb.ParseRequest(body, &req)
//	_ = rtb.ParseResponse(answer, &resp)
//	ev := gate.Evaluation{AgentID: "bidder-7", Tool: "bid", Input: &req, Output: &resp, StartedAt: arrived}
//	_ = eng.EvaluateInto(ctx, &ev, &res)
//	_ = emitter.TrackResult(&res)
package rtb
