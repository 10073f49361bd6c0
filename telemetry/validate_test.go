package telemetry

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Track validates the common event without Validate (checkedSize, then
// putRecord's copy of the strings): it must refuse exactly what Validate
// refuses, naming the same field, and write the record appendRecord
// writes for what it keeps.
func FuzzTrackValidation(f *testing.F) {
	f.Add("agent-42", "bid", "pii", "", true, true, false, 3.2, 1.1, int64(0), uint8(3))
	f.Add("agënt", "bid", "pii", "naïve", false, true, false, 0.0, 0.0, int64(0), uint8(2))
	f.Add("a\xff", "bid", "pii", "", false, true, false, 0.0, 0.0, int64(0), uint8(0))
	f.Add("a", "b", "g", "\xc3", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add("a", "b", "", "", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", "", true, false, false, 0.0, 0.0, int64(0), uint8(2))
	f.Add("a", "b", "g", "", false, true, false, math.Inf(1), 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, 0.0, math.NaN(), int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, math.Copysign(0, -1), math.Copysign(0, -1), int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, -1e-300, 1e12, int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, 1e12, math.Nextafter(1e12, 2e12), int64(0), uint8(1))
	f.Add("", "b", "g", "", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", "", false, true, false, 0.0, 0.0, int64(-62135596801), uint8(1))
	f.Add(strings.Repeat("é", 200), "b", "g", "", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add(strings.Repeat("é", 201), "b", "g", "", false, true, false, 0.0, 0.0, int64(0), uint8(1))
	f.Add("a", "b", "g", strings.Repeat("r", 17)+"\xff", false, true, false, 0.0, 0.0, int64(0), uint8(51))
	e := fakeEmitter(f, Config{RequestsPerMinute: -1, SampleRate: 1}, func(context.Context, []byte, string) (int, error) { return 100, nil })
	f.Cleanup(func() { _ = e.Close(context.Background()) })
	f.Fuzz(func(t *testing.T, agent, tool, gate, reason string, passed, gpassed, gskipped bool, lat, glat float64, sec int64, ngates uint8) {
		ev := &pecta.Event{AgentID: agent, Tool: tool, Passed: passed, TotalLatencyMS: lat}
		if sec != 0 {
			ev.Timestamp = time.Unix(sec, 0)
		}
		for i := range int(ngates) % 60 {
			g := pecta.GateResult{Name: gate, Reason: reason, Passed: gpassed, Skipped: gskipped, LatencyMS: glat}
			if i%2 == 1 {
				g.Passed, g.Reason = !gpassed, ""
			}
			ev.Gates = append(ev.Gates, g)
		}
		want := ev.Validate()
		got := e.Track(ev)
		if errors.Is(got, ErrQueueFull) {
			return
		}
		var gv, wv *pecta.ValidationError
		switch {
		case want == nil && got != nil:
			t.Fatalf("Track refused a valid event: %v", got)
		case want != nil && !errors.Is(got, ErrInvalidEvent):
			t.Fatalf("Track = %v for an event Validate refuses (%v)", got, want)
		case want != nil && (!errors.As(got, &gv) || !errors.As(want, &wv) || gv.Field != wv.Field):
			t.Fatalf("Track names %v, Validate %v", got, want)
		}
		if want != nil {
			return
		}
		// the record just written is the one appendRecord writes
		size, _ := checkedSize(ev)
		if size != recordSize(ev) {
			t.Fatalf("checkedSize %d, recordSize %d", size, recordSize(ev))
		}
		rec, acc := putRecord(nil, size, ev, 7, 8)
		if string(rec) != string(appendRecord(nil, ev, 7, 8)) {
			t.Fatal("putRecord and appendRecord differ")
		}
		ascii := true
		for _, s := range []string{agent, tool, gate, reason} {
			for i := 0; i < len(s); i++ {
				ascii = ascii && s[i] < 0x80
			}
		}
		if len(ev.Gates) == 0 {
			ascii = true
			for _, s := range []string{agent, tool} {
				for i := 0; i < len(s); i++ {
					ascii = ascii && s[i] < 0x80
				}
			}
		}
		if (acc&0x8080808080808080 == 0) != ascii {
			t.Fatalf("putRecord says ASCII %v, want %v", acc&0x8080808080808080 == 0, ascii)
		}
	})
}
