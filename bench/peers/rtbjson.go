package peers

// The alternatives weighed for reading the OpenRTB fields of the RTB gates
// from raw JSON, side by side with the scanner rtb.ParseRequest and
// rtb.ParseResponse ship (BenchmarkRTBParse): github.com/buger/jsonparser
// (callback API over the raw bytes, skips what it is not asked for),
// github.com/valyala/fastjson (parses the whole document into a reused
// value tree) and encoding/json into typed structs. All fill the same
// rtb.Request and rtb.Response views.

import (
	"encoding/json"
	"errors"
	"math"
	"unsafe"

	"github.com/buger/jsonparser"
	"github.com/valyala/fastjson"

	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
)

var errRTB = errors.New("peers: rtb parse failed")

func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// ---- jsonparser

var jpRequestPaths = [][]string{
	{"id"}, {"tmax"}, {"imp"}, {"bcat"}, {"badv"}, {"regs", "coppa"},
	{"site", "cat"}, {"app", "cat"}, {"app", "bundle"},
}
var jpImpPaths = [][]string{{"id"}, {"bidfloor"}}
var jpBidPaths = [][]string{{"impid"}, {"price"}, {"adomain"}, {"cat"}}

// JSONParserRequest fills r with jsonparser. Strings with escapes are not
// unescaped (a fair comparison would need it; the fixtures have none).
func JSONParserRequest(data []byte, r *rtb.Request) error {
	r.Reset()
	var bad bool
	appCat := false
	jsonparser.EachKey(data, func(idx int, v []byte, vt jsonparser.ValueType, err error) {
		if err != nil {
			bad = true
			return
		}
		switch idx {
		case 0:
			r.ID = bytesString(v)
		case 1:
			n, err := jsonparser.ParseInt(v)
			bad = bad || err != nil
			r.TmaxMS = n
		case 2:
			_, err := jsonparser.ArrayEach(v, func(imp []byte, _ jsonparser.ValueType, _ int, err error) {
				if err != nil {
					bad = true
					return
				}
				r.Imps = append(r.Imps, rtb.Imp{})
				p := &r.Imps[len(r.Imps)-1]
				jsonparser.EachKey(imp, func(idx int, v []byte, _ jsonparser.ValueType, err error) {
					switch {
					case err != nil:
						bad = true
					case idx == 0:
						p.ID = bytesString(v)
					default:
						f, err := jsonparser.ParseFloat(v)
						bad = bad || err != nil
						p.BidFloor = f
					}
				}, jpImpPaths...)
			})
			bad = bad || err != nil
		case 3:
			bad = bad || jpStrings(v, &r.Bcat) != nil
		case 4:
			bad = bad || jpStrings(v, &r.Badv) != nil
		case 5:
			f, err := jsonparser.ParseFloat(v)
			bad = bad || err != nil
			r.COPPA = f == 1
		case 6:
			if !appCat {
				bad = bad || jpStrings(v, &r.Cat) != nil
			}
		case 7:
			appCat = true
			r.Cat = r.Cat[:0]
			bad = bad || jpStrings(v, &r.Cat) != nil
		case 8:
			r.Bundle = bytesString(v)
		}
	}, jpRequestPaths...)
	if bad {
		return errRTB
	}
	return nil
}

func jpStrings(v []byte, dst *[]string) error {
	var bad bool
	_, err := jsonparser.ArrayEach(v, func(e []byte, vt jsonparser.ValueType, _ int, err error) {
		if err != nil || vt != jsonparser.String {
			bad = true
			return
		}
		*dst = append(*dst, bytesString(e))
	})
	if err != nil || bad {
		return errRTB
	}
	return nil
}

// JSONParserResponse fills r with jsonparser.
func JSONParserResponse(data []byte, r *rtb.Response) error {
	r.Reset()
	var bad bool
	_, err := jsonparser.ArrayEach(data, func(seat []byte, _ jsonparser.ValueType, _ int, err error) {
		if err != nil {
			bad = true
			return
		}
		_, err = jsonparser.ArrayEach(seat, func(bid []byte, _ jsonparser.ValueType, _ int, err error) {
			if err != nil {
				bad = true
				return
			}
			b := addBid(r)
			jsonparser.EachKey(bid, func(idx int, v []byte, _ jsonparser.ValueType, err error) {
				if err != nil {
					bad = true
					return
				}
				switch idx {
				case 0:
					b.ImpID = bytesString(v)
				case 1:
					f, err := jsonparser.ParseFloat(v)
					bad = bad || err != nil
					b.Price = f
				case 2:
					bad = bad || jpStrings(v, &b.Adomain) != nil
				case 3:
					bad = bad || jpStrings(v, &b.Cat) != nil
				}
			}, jpBidPaths...)
		}, "bid")
		bad = bad || err != nil
	}, "seatbid")
	if err != nil || bad {
		return errRTB
	}
	return nil
}

// addBid appends a bid to r, reusing the slices of an earlier parse (as
// rtb.ParseResponse does).
func addBid(r *rtb.Response) *rtb.Bid {
	n := len(r.Bids)
	if n < cap(r.Bids) {
		r.Bids = r.Bids[:n+1]
	} else {
		r.Bids = append(r.Bids, rtb.Bid{})
	}
	b := &r.Bids[n]
	*b = rtb.Bid{Price: math.NaN(), Adomain: b.Adomain[:0], Cat: b.Cat[:0]}
	return b
}

// ---- fastjson

// FastJSON reads the views with reused fastjson.Parsers, one per document
// kind: the views' strings point into the parser's memory (not safe for
// concurrent use: one per goroutine).
type FastJSON struct{ p, pr fastjson.Parser }

// Request fills r.
func (f *FastJSON) Request(data []byte, r *rtb.Request) error {
	r.Reset()
	v, err := f.p.ParseBytes(data)
	if err != nil {
		return err
	}
	r.ID = bytesString(v.GetStringBytes("id"))
	r.TmaxMS = int64(v.GetInt("tmax"))
	for _, imp := range v.GetArray("imp") {
		r.Imps = append(r.Imps, rtb.Imp{ID: bytesString(imp.GetStringBytes("id")), BidFloor: imp.GetFloat64("bidfloor")})
	}
	fjStrings(v.GetArray("bcat"), &r.Bcat)
	fjStrings(v.GetArray("badv"), &r.Badv)
	r.COPPA = v.GetFloat64("regs", "coppa") == 1
	if app := v.Get("app"); app != nil && app.Exists("cat") {
		fjStrings(app.GetArray("cat"), &r.Cat)
	} else {
		fjStrings(v.GetArray("site", "cat"), &r.Cat)
	}
	r.Bundle = bytesString(v.GetStringBytes("app", "bundle"))
	return nil
}

func fjStrings(vs []*fastjson.Value, dst *[]string) {
	for _, e := range vs {
		*dst = append(*dst, bytesString(e.GetStringBytes()))
	}
}

// Response fills r.
func (f *FastJSON) Response(data []byte, r *rtb.Response) error {
	r.Reset()
	v, err := f.pr.ParseBytes(data)
	if err != nil {
		return err
	}
	for _, seat := range v.GetArray("seatbid") {
		for _, bid := range seat.GetArray("bid") {
			b := addBid(r)
			b.ImpID = bytesString(bid.GetStringBytes("impid"))
			if p := bid.Get("price"); p != nil {
				b.Price = p.GetFloat64()
			}
			fjStrings(bid.GetArray("adomain"), &b.Adomain)
			fjStrings(bid.GetArray("cat"), &b.Cat)
		}
	}
	return nil
}

// ---- encoding/json

type stdRequest struct {
	ID   string `json:"id"`
	Tmax int64  `json:"tmax"`
	Imp  []struct {
		ID       string  `json:"id"`
		BidFloor float64 `json:"bidfloor"`
	} `json:"imp"`
	Bcat []string `json:"bcat"`
	Badv []string `json:"badv"`
	Regs *struct {
		COPPA int `json:"coppa"`
	} `json:"regs"`
	Site *struct {
		Cat []string `json:"cat"`
	} `json:"site"`
	App *struct {
		Cat    []string `json:"cat"`
		Bundle string   `json:"bundle"`
	} `json:"app"`
}

type stdResponse struct {
	Seatbid []struct {
		Bid []struct {
			ImpID   string   `json:"impid"`
			Price   *float64 `json:"price"`
			Adomain []string `json:"adomain"`
			Cat     []string `json:"cat"`
		} `json:"bid"`
	} `json:"seatbid"`
}

// StdRequest fills r with encoding/json (decoding into typed structs).
func StdRequest(data []byte, r *rtb.Request) error {
	var s stdRequest
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	r.Reset()
	r.ID, r.TmaxMS, r.Bcat, r.Badv = s.ID, s.Tmax, s.Bcat, s.Badv
	for _, imp := range s.Imp {
		r.Imps = append(r.Imps, rtb.Imp{ID: imp.ID, BidFloor: imp.BidFloor})
	}
	if s.Regs != nil {
		r.COPPA = s.Regs.COPPA == 1
	}
	if s.Site != nil {
		r.Cat = s.Site.Cat
	}
	if s.App != nil {
		if s.App.Cat != nil {
			r.Cat = s.App.Cat
		}
		r.Bundle = s.App.Bundle
	}
	return nil
}

// StdResponse fills r with encoding/json.
func StdResponse(data []byte, r *rtb.Response) error {
	var s stdResponse
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	r.Reset()
	for _, seat := range s.Seatbid {
		for _, b := range seat.Bid {
			p := math.NaN()
			if b.Price != nil {
				p = *b.Price
			}
			r.Bids = append(r.Bids, rtb.Bid{ImpID: b.ImpID, Price: p, Adomain: b.Adomain, Cat: b.Cat})
		}
	}
	return nil
}
