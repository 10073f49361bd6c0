package rtb

import (
	"math"
	"strconv"
)

// ParseError reports a request or response that cannot be read: malformed
// JSON, or a field the gates read with the wrong type. Its message names
// the field, never its value.
type ParseError struct {
	Doc   string // "request" or "response"
	Field string // for example "imp[1].bidfloor"; "" for the document itself
	Msg   string // "malformed JSON", "not a string", "not a number" ...
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return "rtb: parse " + e.Doc + ": " + e.Msg
	}
	return "rtb: parse " + e.Doc + ": " + e.Field + ": " + e.Msg
}

// ParseRequest fills r from the raw JSON of an OpenRTB 2.6 bid request in
// one pass: the fields of Request are decoded and validated (a read field
// of the wrong type gives a *ParseError naming it; null reads as absent),
// and every other value is skipped without being decoded. A skipped
// value is checked for structure only: its strings must end and its
// brackets balance and match, so a malformed document whose skipped
// parts are cut short or mismatched is refused, but a bad number or a
// missing comma inside, say, device is not looked for (no gate reads it,
// and its end is still where the document says). The document itself
// (its top-level object, the objects and arrays the read fields are in,
// data after it) is validated. r is reset first and keeps its capacity,
// so with a reused r parsing does not allocate in steady state.
//
// The strings of r point into data, or into r's own buffer for strings
// with escapes: they are valid while data is not modified and until the
// next parse into r. When a field appears twice, the last one wins; app.cat
// wins over site.cat.
func ParseRequest(data []byte, r *Request) error { return parseRequest(data, r, false) }

func parseRequest(data []byte, r *Request, strict bool) error {
	r.Reset()
	if cap(r.buf) < len(data) {
		r.buf = make([]byte, 0, len(data))
	}
	s := scanner{d: data, buf: &r.buf, doc: "request", strict: strict}
	if !s.request(r) {
		return s.error()
	}
	return nil
}

// ParseResponse fills r from the raw JSON of an OpenRTB 2.6 bid response:
// every seatbid[].bid[], in order, with its impid, price, adomain and cat.
// See ParseRequest for errors, reuse and the lifetime of strings. A bid
// without price gets MissingPrice (NaN).
func ParseResponse(data []byte, r *Response) error { return parseResponse(data, r, false) }

func parseResponse(data []byte, r *Response, strict bool) error {
	r.Reset()
	if cap(r.buf) < len(data) {
		r.buf = make([]byte, 0, len(data))
	}
	s := scanner{d: data, buf: &r.buf, doc: "response", strict: strict}
	if !s.response(r) {
		return s.error()
	}
	return nil
}

func (s *scanner) error() error {
	if s.err != nil {
		return s.err
	}
	return &ParseError{Doc: s.doc, Msg: "malformed JSON"}
}

// path names a field for errors; it is formatted only on error.
type path struct {
	a    string
	i    int // index after a, when >= 0
	b    string
	j    int // index after b, when >= 0
	leaf string
}

func (p path) String() string {
	out := p.a
	if p.i >= 0 {
		out += "[" + strconv.Itoa(p.i) + "]"
	}
	if p.b != "" {
		out += "." + p.b
		if p.j >= 0 {
			out += "[" + strconv.Itoa(p.j) + "]"
		}
	}
	if p.leaf != "" {
		out += "." + p.leaf
	}
	return out
}

func field(name string) path { return path{a: name, i: -1, j: -1} }

// typeErr fails with msg when the next value starts like another type,
// and as malformed JSON otherwise.
func (s *scanner) typeErr(p path, want byte, msg string) bool {
	c := s.peek()
	if c == want || (want == '0' && (c == '-' || c >= '0' && c <= '9')) || c == 0 {
		return s.fail(p.String(), "malformed JSON")
	}
	// a value of another type: report the type, unless it is malformed
	if !s.skipStrict(0) {
		return s.fail(p.String(), "malformed JSON")
	}
	return s.fail(p.String(), msg)
}

func (s *scanner) readString(p path, dst *string) bool {
	switch s.peek() {
	case '"':
	case 'n':
		if s.literal("null") {
			*dst = ""
			return true
		}
		return s.typeErr(p, '"', "not a string")
	default:
		return s.typeErr(p, '"', "not a string")
	}
	v, ok := s.str()
	if !ok {
		return s.fail(p.String(), "malformed JSON")
	}
	*dst = v
	return true
}

func (s *scanner) readFloat(p path, dst *float64, null float64) bool {
	c := s.peek()
	if c == 'n' && s.literal("null") {
		*dst = null
		return true
	}
	if !(c == '-' || c >= '0' && c <= '9') {
		return s.typeErr(p, '0', "not a number")
	}
	f, ok := s.float()
	if !ok {
		return s.fail(p.String(), "malformed JSON or out of range")
	}
	*dst = f
	return true
}

func (s *scanner) readStrings(p path, dst *[]string) bool {
	ok, typeErr := s.strings(dst)
	if ok {
		return true
	}
	if typeErr { // the offending value is next: report its type, unless it is malformed
		if !s.skipStrict(0) {
			return s.fail(p.String(), "malformed JSON")
		}
		return s.fail(p.String(), "not an array of strings")
	}
	return s.fail(p.String(), "malformed JSON")
}

// members walks the members of the object that comes next (null counts as
// absent), calling member for each name; member consumes the value and
// returns false on error.
func (s *scanner) members(p path, member func(k []byte) bool) bool {
	if s.null() {
		return true
	}
	if s.peek() != '{' {
		return s.typeErr(p, '{', "not an object")
	}
	empty, _ := s.objectStart()
	if empty {
		return true
	}
	for {
		k, ok := s.key()
		if !ok {
			return s.fail(p.String(), "malformed JSON")
		}
		if !member(k) {
			return false
		}
		more, ok := s.next('}')
		if !ok {
			return s.fail(p.String(), "malformed JSON")
		}
		if !more {
			return true
		}
	}
}

// elements walks the elements of the array that comes next (null counts as
// empty), calling elem with each index.
func (s *scanner) elements(p path, elem func(i int) bool) bool {
	if s.null() {
		return true
	}
	if s.peek() != '[' {
		return s.typeErr(p, '[', "not an array")
	}
	empty, _ := s.arrayStart()
	if empty {
		return true
	}
	for i := 0; ; i++ {
		if !elem(i) {
			return false
		}
		more, ok := s.next(']')
		if !ok {
			return s.fail(p.String(), "malformed JSON")
		}
		if !more {
			return true
		}
	}
}

func (s *scanner) skipValue(p path) bool {
	if !s.skipAny() {
		return s.fail(p.String(), "malformed JSON")
	}
	return true
}

func (s *scanner) request(r *Request) bool {
	if s.peek() != '{' {
		return s.fail("", "not a JSON object")
	}
	appCat := false
	ok := s.members(path{i: -1, j: -1}, func(k []byte) bool {
		switch string(k) {
		case "id":
			return s.readString(field("id"), &r.ID)
		case "tmax":
			var f float64
			if !s.readFloat(field("tmax"), &f, 0) {
				return false
			}
			if f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
				return s.fail("tmax", "not a non-negative integer")
			}
			r.TmaxMS = int64(f)
			return true
		case "imp":
			r.Imps = r.Imps[:0]
			return s.elements(field("imp"), func(i int) bool {
				r.Imps = append(r.Imps, Imp{})
				imp := &r.Imps[len(r.Imps)-1]
				p := path{a: "imp", i: i, j: -1}
				return s.members(p, func(k []byte) bool {
					switch string(k) {
					case "id":
						p.leaf = "id"
						return s.readString(p, &imp.ID)
					case "bidfloor":
						p.leaf = "bidfloor"
						return s.readFloat(p, &imp.BidFloor, 0)
					}
					return s.skipValue(p)
				})
			})
		case "bcat":
			return s.readStrings(field("bcat"), &r.Bcat)
		case "badv":
			return s.readStrings(field("badv"), &r.Badv)
		case "regs":
			return s.members(field("regs"), func(k []byte) bool {
				if string(k) == "coppa" {
					var f float64
					if !s.readFloat(path{a: "regs", i: -1, j: -1, leaf: "coppa"}, &f, 0) {
						return false
					}
					r.COPPA = f == 1
					return true
				}
				return s.skipValue(field("regs"))
			})
		case "site":
			return s.members(field("site"), func(k []byte) bool {
				if string(k) == "cat" {
					if appCat {
						var skip []string
						return s.readStrings(path{a: "site", i: -1, j: -1, leaf: "cat"}, &skip)
					}
					return s.readStrings(path{a: "site", i: -1, j: -1, leaf: "cat"}, &r.Cat)
				}
				return s.skipValue(field("site"))
			})
		case "app":
			return s.members(field("app"), func(k []byte) bool {
				switch string(k) {
				case "cat":
					appCat = true
					return s.readStrings(path{a: "app", i: -1, j: -1, leaf: "cat"}, &r.Cat)
				case "bundle":
					return s.readString(path{a: "app", i: -1, j: -1, leaf: "bundle"}, &r.Bundle)
				}
				return s.skipValue(field("app"))
			})
		}
		return s.skipValue(field(""))
	})
	if !ok {
		return false
	}
	if !s.end() {
		return s.fail("", "malformed JSON (data after the document)")
	}
	return true
}

// bid reads one bid object: the hottest object of a response, walked by
// a loop rather than members' callback (no call through a func value per
// member).
func (s *scanner) bid(p path, b *Bid) bool {
	open, ok := s.open(p)
	if !open {
		return ok
	}
	for {
		k, ok := s.key()
		if !ok {
			return s.fail(p.String(), "malformed JSON")
		}
		switch string(k) {
		case "impid":
			p.leaf = "impid"
			ok = s.readString(p, &b.ImpID)
		case "price":
			p.leaf = "price"
			ok = s.readFloat(p, &b.Price, MissingPrice)
		case "adomain":
			p.leaf = "adomain"
			ok = s.readStrings(p, &b.Adomain)
		case "cat":
			p.leaf = "cat"
			ok = s.readStrings(p, &b.Cat)
		default:
			p.leaf = ""
			ok = s.skipValue(p)
		}
		if !ok {
			return false
		}
		more, ok := s.next('}')
		if !ok {
			return s.fail(p.String(), "malformed JSON")
		}
		if !more {
			return true
		}
	}
}

// open consumes the start of the object that comes next: open is false
// for null (absent, ok) or an error (not ok), and for an empty object
// (consumed whole, ok).
func (s *scanner) open(p path) (open, ok bool) {
	if s.null() {
		return false, true
	}
	if s.peek() != '{' {
		return false, s.typeErr(p, '{', "not an object")
	}
	empty, _ := s.objectStart()
	return !empty, true
}

func (s *scanner) response(r *Response) bool {
	if s.peek() != '{' {
		return s.fail("", "not a JSON object")
	}
	ok := s.members(path{i: -1, j: -1}, func(k []byte) bool {
		if string(k) != "seatbid" {
			return s.skipValue(field(""))
		}
		r.Bids = r.Bids[:0] // the last seatbid wins
		return s.elements(field("seatbid"), func(si int) bool {
			sp := path{a: "seatbid", i: si, j: -1}
			mark := len(r.Bids)
			return s.members(sp, func(k []byte) bool {
				if string(k) != "bid" {
					return s.skipValue(sp)
				}
				r.Bids = r.Bids[:mark] // the last bid array of a seat wins
				bp := sp
				bp.b = "bid"
				return s.elements(bp, func(bi int) bool {
					p := bp
					p.j = bi
					return s.bid(p, r.addBid())
				})
			})
		})
	})
	if !ok {
		return false
	}
	if !s.end() {
		return s.fail("", "malformed JSON (data after the document)")
	}
	return true
}
