package rtb

import "math"

// Request is a view of the OpenRTB 2.6 bid request fields the RTB gates
// read. Fill it from your own structs, or with ParseRequest from the raw
// JSON. A Request reused between parses keeps its slices' capacity, so
// parsing does not allocate in steady state.
type Request struct {
	ID     string   // id
	TmaxMS int64    // tmax, in milliseconds; 0 when absent
	Imps   []Imp    // imp[]
	Bcat   []string // bcat: blocked advertiser categories (IAB)
	Badv   []string // badv: blocked advertiser domains
	COPPA  bool     // regs.coppa == 1
	Cat    []string // site.cat, or app.cat when the request has an app
	Bundle string   // app.bundle

	buf []byte // unescaped strings of the last parse
}

// Imp is one impression of a Request.
type Imp struct {
	ID       string  // imp.id
	BidFloor float64 // imp.bidfloor (CPM); 0 when absent
}

// Response is a view of the OpenRTB 2.6 bid response fields the RTB gates
// read: every seatbid[].bid[], flattened in order.
type Response struct {
	Bids []Bid

	buf []byte
}

// Bid is one bid of a Response.
type Bid struct {
	ImpID   string   // bid.impid
	Price   float64  // bid.price (CPM); NaN when absent (see MissingPrice)
	Adomain []string // bid.adomain
	Cat     []string // bid.cat (IAB)
}

// MissingPrice is the Price of a bid that has none: NaN.
var MissingPrice = math.NaN()

// Reset empties r, keeping the capacity of its slices.
func (r *Request) Reset() {
	imps, bcat, badv, cat, buf := r.Imps[:0], r.Bcat[:0], r.Badv[:0], r.Cat[:0], r.buf[:0]
	*r = Request{Imps: imps, Bcat: bcat, Badv: badv, Cat: cat, buf: buf}
}

// Reset empties r, keeping the capacity of its slices (bids' too).
func (r *Response) Reset() {
	r.Bids = r.Bids[:0]
	r.buf = r.buf[:0]
}

// Imp returns the impression with the given id, or nil.
func (r *Request) Imp(id string) *Imp {
	for i := range r.Imps {
		if r.Imps[i].ID == id {
			return &r.Imps[i]
		}
	}
	return nil
}

// addBid appends a bid, reusing the element's slices when the backing
// array already had one there.
func (r *Response) addBid() *Bid {
	n := len(r.Bids)
	if n < cap(r.Bids) {
		r.Bids = r.Bids[:n+1]
		b := &r.Bids[n]
		*b = Bid{Price: MissingPrice, Adomain: b.Adomain[:0], Cat: b.Cat[:0]}
		return b
	}
	r.Bids = append(r.Bids, Bid{Price: MissingPrice})
	return &r.Bids[n]
}
