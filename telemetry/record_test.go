package telemetry

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// checkRecordJSON fails t unless the record of ev encodes to exactly the
// bytes of ev.AppendJSON (with the timestamp Track would store), and
// decodes back to ev.
func checkRecordJSON(t *testing.T, ev *pecta.Event, enc *recordEncoder) {
	t.Helper()
	if ev.Validate() != nil {
		return
	}
	sec, nsec := ev.Timestamp.Unix(), uint32(ev.Timestamp.Nanosecond())
	rec := appendRecord(nil, ev, sec, nsec)
	if len(rec) != recordSize(ev) {
		t.Fatalf("record of %d bytes, recordSize says %d", len(rec), recordSize(ev))
	}
	want := ev.AppendJSON(nil)
	got, rest := enc.appendOne(nil, rec)
	if len(rest) != 0 || !bytes.Equal(got, want) {
		t.Fatalf("record JSON =\n%s\nwant\n%s", got, want)
	}
	var dec recordEncoder
	if rest := dec.decode(rec); len(rest) != 0 || !bytes.Equal(dec.ev.AppendJSON(nil), want) {
		t.Fatalf("decode = %+v", dec.ev)
	}
	if !json.Valid(got) {
		t.Fatalf("invalid JSON %s", got)
	}
}

func TestRecordJSONMatchesEvent(t *testing.T) {
	var enc recordEncoder
	ev := event("agent", 7)
	for _, ts := range []time.Time{
		time.Date(2026, 5, 7, 14, 22, 44, 123456789, time.UTC),
		time.Date(2026, 5, 7, 14, 22, 44, 999999999, time.UTC),
		time.Date(2026, 5, 7, 14, 22, 45, 0, time.FixedZone("X", 3600)),
		time.Date(1, 1, 1, 0, 0, 0, 1e6, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 5e8, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC),
	} {
		ev.Timestamp = ts
		checkRecordJSON(t, ev, &enc)
	}
	ev.Tool = ""
	ev.Passed = false
	ev.Gates[1] = pecta.GateResult{Name: `"quoted" <b>&é\u2028` + "\xff", Skipped: true, Passed: true, Reason: "x\ny", LatencyMS: 1e-7}
	ev.TotalLatencyMS = 0.1 + 0.2
	checkRecordJSON(t, ev, &enc)
	ev.Gates = nil
	ev.AgentID = strings.Repeat("é", 200)
	checkRecordJSON(t, ev, &enc)

	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		checkRecordJSON(t, randomEvent(r), &enc)
	}
}

func FuzzRecordJSON(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		var enc recordEncoder
		r := rand.New(rand.NewPCG(a, b))
		for range 10 {
			checkRecordJSON(t, randomEvent(r), &enc)
		}
	})
}

func randomEvent(r *rand.Rand) *pecta.Event {
	str := func(max int) string {
		const alphabet = "abc\"\\<>&\n\té日\xff\u2028 0"
		n := r.IntN(max + 1)
		var b strings.Builder
		for range n {
			i := r.IntN(len(alphabet))
			b.WriteByte(alphabet[i])
		}
		return b.String()
	}
	lat := func() float64 {
		switch r.IntN(5) {
		case 0:
			return math.Round(r.Float64()*1e4) / 1e3
		case 1:
			return float64(r.IntN(100000))
		case 2:
			return r.Float64() * math.Pow(10, float64(r.IntN(30)-10))
		case 3:
			return math.Float64frombits(r.Uint64() >> 2)
		}
		return r.Float64()
	}
	ev := &pecta.Event{
		AgentID:        "a" + str(20),
		Tool:           str(10),
		Passed:         r.IntN(2) == 0,
		TotalLatencyMS: lat(),
		Timestamp:      time.Unix(r.Int64N(253402300799+62135596800)-62135596800, r.Int64N(1e9)),
	}
	for range r.IntN(6) {
		ev.Gates = append(ev.Gates, pecta.GateResult{
			Name: "g" + str(8), Passed: r.IntN(2) == 0, Skipped: r.IntN(4) == 0,
			LatencyMS: lat(), Reason: str(12),
		})
	}
	return ev
}
