package rtb_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
)

func TestParseFixtures(t *testing.T) {
	var req rtb.Request
	require.NoError(t, rtb.ParseRequest(fixture(t, "request.json"), &req))
	require.Equal(t, "80ce30c53c16e6ede735f123ef6e32361bfc7b22", req.ID)
	require.Equal(t, int64(120), req.TmaxMS)
	require.Equal(t, []rtb.Imp{{ID: "1", BidFloor: 0.5}, {ID: "2", BidFloor: 1.25}, {ID: "3", BidFloor: 4}}, req.Imps)
	require.Len(t, req.Bcat, 20)
	require.Equal(t, "IAB25", req.Bcat[0])
	require.Equal(t, []string{"competitor-brand.com", "blocked-advertiser.net"}, req.Badv)
	require.False(t, req.COPPA)
	require.Equal(t, []string{"IAB12", "IAB12-2"}, req.Cat, "site.cat, not site.publisher.cat")
	require.Empty(t, req.Bundle)

	var resp rtb.Response
	require.NoError(t, rtb.ParseResponse(fixture(t, "response.json"), &resp))
	require.Len(t, resp.Bids, 2)
	require.Equal(t, rtb.Bid{ImpID: "1", Price: 1.15, Adomain: []string{"nike.com"}, Cat: []string{"IAB17", "IAB17-12"}}, resp.Bids[0])
	require.Equal(t, rtb.Bid{ImpID: "3", Price: 9.8, Adomain: []string{"shop.patagonia.com"}, Cat: []string{"IAB20", "IAB20-18"}}, resp.Bids[1])
}

func TestParseRequestShapes(t *testing.T) {
	var r rtb.Request
	doc := `{"app":{"bundle":"com.kids\u0047ames","cat":["IAB9"]},"site":{"cat":["IAB1"]},"regs":{"coppa":1,"gdpr":0},` +
		`"imp":[{"id":"a\"b","bidfloor":2e-1,"banner":{"format":[{"w":1}]}},{}],"tmax":null,"id":"\ud83d\ude00",` +
		`"bcat":[],"badv":null,"ext":{"imp":[{"id":"nested, not read"}],"tmax":5}}`
	require.NoError(t, rtb.ParseRequest([]byte(doc), &r))
	require.Equal(t, "com.kidsGames", r.Bundle)
	require.Equal(t, []string{"IAB9"}, r.Cat, "app.cat wins over site.cat")
	require.True(t, r.COPPA)
	require.Equal(t, []rtb.Imp{{ID: `a"b`, BidFloor: 0.2}, {}}, r.Imps)
	require.Zero(t, r.TmaxMS)
	require.Equal(t, "😀", r.ID)
	require.Empty(t, r.Bcat)
	require.Empty(t, r.Badv)

	// reuse: the old values are gone
	require.NoError(t, rtb.ParseRequest([]byte(`{"id":"x","imp":[{"id":"1"}]}`), &r))
	require.Equal(t, rtb.Request{ID: "x", Imps: []rtb.Imp{{ID: "1"}}}.Imps, r.Imps)
	require.Empty(t, r.Cat)
	require.False(t, r.COPPA)
	require.Empty(t, r.Bundle)

	// duplicates: the last wins
	require.NoError(t, rtb.ParseRequest([]byte(`{"imp":[{"id":"1"}],"imp":[{"id":"2"}],"tmax":5,"tmax":7}`), &r))
	require.Equal(t, []rtb.Imp{{ID: "2"}}, r.Imps)
	require.Equal(t, int64(7), r.TmaxMS)
	// coppa other than 1 is not COPPA
	require.NoError(t, rtb.ParseRequest([]byte(`{"regs":{"coppa":0}}`), &r))
	require.False(t, r.COPPA)
}

func TestParseResponseShapes(t *testing.T) {
	var r rtb.Response
	doc := `{"id":"r","seatbid":[{"seat":"a","bid":[{"impid":"1","price":1.5,"adomain":["a.com","b.com"],"cat":["IAB1"]},{"impid":"2"}]},` +
		`{"bid":[]},{"bid":[{"price":0,"impid":"3","ext":{"price":99}}]}],"cur":"USD"}`
	require.NoError(t, rtb.ParseResponse([]byte(doc), &r))
	require.Len(t, r.Bids, 3)
	require.Equal(t, 1.5, r.Bids[0].Price)
	require.Equal(t, []string{"a.com", "b.com"}, r.Bids[0].Adomain)
	require.True(t, math.IsNaN(r.Bids[1].Price), "a bid without price")
	require.Empty(t, r.Bids[1].Adomain)
	require.Zero(t, r.Bids[2].Price)
	require.Equal(t, "3", r.Bids[2].ImpID)

	// reuse keeps nothing from the last parse
	require.NoError(t, rtb.ParseResponse([]byte(`{"seatbid":[{"bid":[{"impid":"9","price":2}]}]}`), &r))
	require.Len(t, r.Bids, 1)
	require.Empty(t, r.Bids[0].Adomain)
	require.Empty(t, r.Bids[0].Cat)
	// no-bid
	require.NoError(t, rtb.ParseResponse([]byte(`{"id":"r","nbr":2}`), &r))
	require.Empty(t, r.Bids)
}

func TestParseErrors(t *testing.T) {
	reqs := []struct{ doc, field, msg string }{
		{``, "", "not a JSON object"},
		{`[]`, "", "not a JSON object"},
		{`{"id":1}`, "id", "not a string"},
		{`{"tmax":"100"}`, "tmax", "not a number"},
		{`{"tmax":1.5}`, "tmax", "not a non-negative integer"},
		{`{"tmax":-1}`, "tmax", "not a non-negative integer"},
		{`{"imp":{}}`, "imp", "not an array"},
		{`{"imp":[1]}`, "imp[0]", "not an object"},
		{`{"imp":[{"id":"1"},{"bidfloor":"x"}]}`, "imp[1].bidfloor", "not a number"},
		{`{"bcat":["a",1]}`, "bcat", "not an array of strings"},
		{`{"badv":"x.com"}`, "badv", "not an array of strings"},
		{`{"regs":{"coppa":true}}`, "regs.coppa", "not a number"},
		{`{"site":{"cat":"IAB1"}}`, "site.cat", "not an array of strings"},
		{`{"app":{"bundle":5}}`, "app.bundle", "not a string"},
		{`{"id":"x"`, "", "malformed JSON"},
		{`{"id":"x"} x`, "", "malformed JSON (data after the document)"},
		{`{"id":"x\q"}`, "id", "malformed JSON"},
		{"{\"id\":\"a\x01\"}", "id", "malformed JSON"},
		{`{"ext":{"a":[1,2,}}`, "", "malformed JSON"},
		{`{"ext":tru}`, "", "malformed JSON"},
		{`{"ext":01}`, "", "malformed JSON"},
		{`{"imp":[{"bidfloor":1e999}]}`, "imp[0].bidfloor", "malformed JSON or out of range"},
		{strings.Repeat(`{"ext":`, 2000) + strings.Repeat("}", 2000), "", "malformed JSON"},
	}
	var r rtb.Request
	for _, tt := range reqs {
		err := rtb.ParseRequest([]byte(tt.doc), &r)
		var pe *rtb.ParseError
		require.True(t, errors.As(err, &pe), "%s: %v", tt.doc, err)
		require.Equal(t, "request", pe.Doc)
		require.Equal(t, tt.field, pe.Field, tt.doc)
		require.Equal(t, tt.msg, pe.Msg, tt.doc)
	}
	resps := []struct{ doc, field, msg string }{
		{`{"seatbid":{}}`, "seatbid", "not an array"},
		{`{"seatbid":[{"bid":[{"price":"1"}]}]}`, "seatbid[0].bid[0].price", "not a number"},
		{`{"seatbid":[{"bid":[{}]},{"bid":[{},{"adomain":[1]}]}]}`, "seatbid[1].bid[1].adomain", "not an array of strings"},
		{`{"seatbid":[{"bid":[{"impid":1}]}]}`, "seatbid[0].bid[0].impid", "not a string"},
		{`{"seatbid":[{"bid":[{"cat":"IAB1"}]}]}`, "seatbid[0].bid[0].cat", "not an array of strings"},
		{`{"seatbid":[{"bid":[{"impid":"1"}]}]`, "", "malformed JSON"},
	}
	var resp rtb.Response
	for _, tt := range resps {
		err := rtb.ParseResponse([]byte(tt.doc), &resp)
		var pe *rtb.ParseError
		require.True(t, errors.As(err, &pe), "%s: %v", tt.doc, err)
		require.Equal(t, "response", pe.Doc)
		require.Equal(t, tt.field, pe.Field, tt.doc)
		require.Equal(t, tt.msg, pe.Msg, tt.doc)
		require.NotContains(t, pe.Error(), `"1"`, "errors never quote values")
	}
}

// TestParseSkipsByStructure: a value no gate reads is checked for its
// structure (strings end, brackets balance and match), not its grammar.
func TestParseSkipsByStructure(t *testing.T) {
	var r rtb.Request
	for _, doc := range []string{
		`{"device":{"ua":"a\"b]}","geo":{"lat":1.2.3}},"imp":[{"id":"1"}]}`, // a bad number, a quote escaped
		`{"user":{"ext":{"consent":tru}},"imp":[{"id":"1"}]}`,               // a bad literal
		`{"ext":{"a" 1 "b"},"imp":[{"id":"1"}]}`,                            // missing colon and comma
		`{"imp":[{"id":"1","banner":{"format":[{"w":300 "h":250}]}}]}`,      // inside a read object
	} {
		require.NoError(t, rtb.ParseRequest([]byte(doc), &r), doc)
		require.Equal(t, "1", r.Imps[0].ID, doc)
		require.Error(t, rtb.ParseRequestStrict([]byte(doc), &r), "strict: %s", doc)
	}
	for _, doc := range []string{
		`{"device":{"ua":"unterminated}}`,
		`{"device":{"geo":[1,2}},"imp":[{"id":"1"}]}`, // mismatched brackets
		`{"device":{"geo":{"a":1}},"imp":[{"id":"1"}]`,
		`{"device":{"geo":{"a":1}}}}`,
		`{"device":]`,
		`{"ext":"a\\"b"}`, // the quote after an even run of backslashes closes the string
	} {
		var pe *rtb.ParseError
		require.True(t, errors.As(rtb.ParseRequest([]byte(doc), &r), &pe), doc)
	}
	deep := `{"ext":` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 200) + `,"imp":[{"id":"1"}]}`
	require.NoError(t, rtb.ParseRequest([]byte(deep), &r), "deeper than 64: skipped strictly")
	require.Equal(t, "1", r.Imps[0].ID)
}

func TestParseAllocs(t *testing.T) {
	reqJSON, respJSON := fixture(t, "request.json"), fixture(t, "response.json")
	var req rtb.Request
	var resp rtb.Response
	allocs := testing.AllocsPerRun(100, func() {
		if rtb.ParseRequest(reqJSON, &req) != nil || rtb.ParseResponse(respJSON, &resp) != nil {
			t.Fatal("parse failed")
		}
	})
	require.Zero(t, allocs)
}

// oracle decodes doc with encoding/json into generic values (exact key
// match, the last duplicate wins, as in the scanner) and extracts the
// fields of the views. ok is false when encoding/json refuses the document
// or a read field has the wrong type.
func oracleRequest(doc []byte) (r rtb.Request, ok bool) {
	var m map[string]any
	if json.Unmarshal(doc, &m) != nil || m == nil {
		return r, false
	}
	ok = true
	str := func(v any, dst *string) {
		switch x := v.(type) {
		case nil:
		case string:
			*dst = x
		default:
			ok = false
		}
	}
	num := func(v any, dst *float64) {
		switch x := v.(type) {
		case nil:
		case float64:
			*dst = x
		default:
			ok = false
		}
	}
	strs := func(v any, dst *[]string) {
		switch x := v.(type) {
		case nil:
		case []any:
			for _, e := range x {
				s, isStr := e.(string)
				if !isStr {
					ok = false
				}
				*dst = append(*dst, s)
			}
		default:
			ok = false
		}
	}
	obj := func(v any) map[string]any {
		switch x := v.(type) {
		case nil:
		case map[string]any:
			return x
		default:
			ok = false
		}
		return nil
	}
	str(m["id"], &r.ID)
	var tmax float64
	num(m["tmax"], &tmax)
	if tmax < 0 || tmax > math.MaxInt32 || tmax != math.Trunc(tmax) {
		ok = false
	}
	r.TmaxMS = int64(tmax)
	if v, has := m["imp"]; has {
		switch x := v.(type) {
		case nil:
		case []any:
			for _, e := range x {
				var imp rtb.Imp
				if e == nil {
					r.Imps = append(r.Imps, imp)
					continue
				}
				o, isObj := e.(map[string]any)
				if !isObj {
					ok = false
					continue
				}
				str(o["id"], &imp.ID)
				num(o["bidfloor"], &imp.BidFloor)
				r.Imps = append(r.Imps, imp)
			}
		default:
			ok = false
		}
	}
	strs(m["bcat"], &r.Bcat)
	strs(m["badv"], &r.Badv)
	if regs := obj(m["regs"]); regs != nil {
		var c float64
		num(regs["coppa"], &c)
		r.COPPA = c == 1
	}
	var siteCat, appCat []string
	app := obj(m["app"])
	if site := obj(m["site"]); site != nil {
		strs(site["cat"], &siteCat)
	}
	r.Cat = siteCat
	if app != nil {
		if _, has := app["cat"]; has {
			strs(app["cat"], &appCat)
			r.Cat = appCat
		}
		str(app["bundle"], &r.Bundle)
	}
	return r, ok
}

func oracleResponse(doc []byte) (r rtb.Response, ok bool) {
	var m map[string]any
	if json.Unmarshal(doc, &m) != nil || m == nil {
		return r, false
	}
	ok = true
	seats, isArr := m["seatbid"].([]any)
	if !isArr && m["seatbid"] != nil {
		return r, false
	}
	for _, s := range seats {
		if s == nil {
			continue
		}
		seat, isObj := s.(map[string]any)
		if !isObj {
			return r, false
		}
		bids, isArr := seat["bid"].([]any)
		if !isArr && seat["bid"] != nil {
			return r, false
		}
		for _, b := range bids {
			bid := rtb.Bid{Price: rtb.MissingPrice}
			if b == nil {
				r.Bids = append(r.Bids, bid)
				continue
			}
			o, isObj := b.(map[string]any)
			if !isObj {
				return r, false
			}
			switch x := o["impid"].(type) {
			case nil:
			case string:
				bid.ImpID = x
			default:
				return r, false
			}
			switch x := o["price"].(type) {
			case nil:
			case float64:
				bid.Price = x
			default:
				return r, false
			}
			for _, k := range []string{"adomain", "cat"} {
				switch x := o[k].(type) {
				case nil:
				case []any:
					var out []string
					for _, e := range x {
						s, isStr := e.(string)
						if !isStr {
							return r, false
						}
						out = append(out, s)
					}
					if k == "adomain" {
						bid.Adomain = out
					} else {
						bid.Cat = out
					}
				default:
					return r, false
				}
			}
			r.Bids = append(r.Bids, bid)
		}
	}
	return r, true
}

// normalize makes empty slices nil and NaN prices comparable.
func normReq(r rtb.Request) rtb.Request {
	out := rtb.Request{ID: r.ID, TmaxMS: r.TmaxMS, COPPA: r.COPPA, Bundle: r.Bundle}
	out.Imps = append(out.Imps, r.Imps...)
	out.Bcat = append(out.Bcat, r.Bcat...)
	out.Badv = append(out.Badv, r.Badv...)
	out.Cat = append(out.Cat, r.Cat...)
	return out
}

func normResp(r rtb.Response) rtb.Response {
	var out rtb.Response
	for _, b := range r.Bids {
		nb := rtb.Bid{ImpID: b.ImpID, Price: b.Price}
		if math.IsNaN(nb.Price) {
			nb.Price = -12345.678
		}
		nb.Adomain = append(nb.Adomain, b.Adomain...)
		nb.Cat = append(nb.Cat, b.Cat...)
		out.Bids = append(out.Bids, nb)
	}
	return out
}

func seeds(f *testing.F) {
	f.Add(fixture(f, "request.json"))
	f.Add(fixture(f, "response.json"))
	for _, s := range []string{
		`{}`, `{"id":"\u00e9\ud83d\ude00","imp":[{"id":"1","bidfloor":0.5}],"tmax":100}`,
		`{"app":{"cat":["IAB1"],"bundle":"com.kids.x"},"site":{"cat":["IAB2"]},"regs":{"coppa":1}}`,
		`{"seatbid":[{"bid":[{"impid":"1","price":1,"adomain":["a.com"],"cat":["IAB1"]}]}]}`,
		`{"seatbid":[{"bid":[{"price":null}]},null]}`, `{"imp":[null,{"id":null}]}`,
		`{"ext":{"a":[true,false,null,-0.5e+3,"\\\/\b\f\n\r\t"]}}`, `{"id":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseRequest checks the scanner against encoding/json: it never
// panics, it accepts exactly the documents encoding/json accepts (with the
// read fields of the right types), and it reads the same values.
func FuzzParseRequest(f *testing.F) {
	seeds(f)
	var r, fast rtb.Request
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := rtb.ParseRequestStrict(doc, &r)
		// the fast skip accepts all the strict mode accepts, with the same
		// view; it may accept more (bad grammar inside skipped values)
		if fastErr := rtb.ParseRequest(doc, &fast); err == nil {
			require.NoError(t, fastErr, "%q", doc)
			require.Equal(t, normReq(r), normReq(fast), "%q", doc)
		}
		if !utf8.Valid(doc) {
			return // encoding/json replaces invalid UTF-8; the scanner keeps the bytes
		}
		want, ok := oracleRequest(doc)
		if !ok {
			if err == nil {
				t.Fatalf("accepted a document encoding/json refuses: %q", doc)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused a valid document: %v: %q", err, doc)
		}
		require.Equal(t, normReq(want), normReq(r), "%q", doc)
	})
}

// FuzzParseResponse is FuzzParseRequest for responses.
func FuzzParseResponse(f *testing.F) {
	seeds(f)
	var r, fast rtb.Response
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := rtb.ParseResponseStrict(doc, &r)
		if fastErr := rtb.ParseResponse(doc, &fast); err == nil {
			require.NoError(t, fastErr, "%q", doc)
			require.Equal(t, normResp(r), normResp(fast), "%q", doc)
		}
		if !utf8.Valid(doc) {
			return
		}
		want, ok := oracleResponse(doc)
		if !ok {
			if err == nil {
				t.Fatalf("accepted a document encoding/json refuses: %q", doc)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused a valid document: %v: %q", err, doc)
		}
		require.Equal(t, normResp(want), normResp(r), "%q", doc)
	})
}
