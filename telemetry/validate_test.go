package telemetry

import (
	"context"
	"errors"
	"math"
	"strconv"
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
			if i%2 == 1 { // vary the gates: lengths, outcomes and empty reasons
				g.Name, g.Passed, g.Reason = gate+strconv.Itoa(i), !gpassed, ""
			}
			ev.Gates = append(ev.Gates, g)
		}
		want := ev.Validate()
		got := e.Track(ev)
		if errors.Is(got, ErrQueueFull) {
			if want != nil { // an invalid event is refused as invalid, full queue or not
				t.Fatalf("Track = ErrQueueFull for an event Validate refuses (%v)", want)
			}
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
		// the record putRecord writes turns back into the event's own JSON
		// (checkRecordJSON decodes it independently of the writer)
		size, _ := checkedSize(ev)
		if size != recordSize(ev) {
			t.Fatalf("checkedSize %d, recordSize %d", size, recordSize(ev))
		}
		checkRecordJSON(t, ev, &recordEncoder{})
		_, gotASCII := putRecord(nil, size, ev, 7, 8)
		ascii := true
		for _, s := range []string{agent, tool} {
			for i := 0; i < len(s); i++ {
				ascii = ascii && s[i] < 0x80
			}
		}
		for _, g := range ev.Gates {
			for _, s := range []string{g.Name, g.Reason} {
				for i := 0; i < len(s); i++ {
					ascii = ascii && s[i] < 0x80
				}
			}
		}
		if gotASCII != ascii {
			t.Fatalf("putRecord says ASCII %v, want %v", gotASCII, ascii)
		}
	})
}

// badBig is a 50-gate event whose only fault is invalid UTF-8 in its last
// reason, within every byte limit: checkedSize passes it, Validate does not.
func badBig() *pecta.Event {
	ev := event("big", 0)
	ev.Gates = make([]pecta.GateResult, pecta.MaxGates)
	for i := range ev.Gates {
		ev.Gates[i] = pecta.GateResult{Name: strings.Repeat("n", 200), Passed: true, Reason: strings.Repeat("r", 499)}
	}
	ev.Gates[len(ev.Gates)-1].Reason += "\xff"
	return ev
}

// Found in review: Track checked an event's bytes only after the queue
// bound, so an event that is invalid (bad UTF-8) but within the byte limits
// was refused as queue_full on a full queue, and under DropOldest evicted
// valid queued events before being refused as invalid. Validate decides
// first on every path that can refuse or evict.
func TestTrackValidationOnSlowPaths(t *testing.T) {
	for _, policy := range []OverflowPolicy{DropNewest, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			block := make(chan struct{})
			cfg := Config{RequestsPerMinute: -1, MaxQueueBytes: minQueueBytes, Overflow: policy,
				BatchSize: 1, FlushInterval: time.Hour, SampleRate: 1}
			e := fakeEmitter(t, cfg, blockSend(block))
			defer func() { close(block); _ = closeNow(t, e, 5*time.Second) }()
			// fill the queue (DropNewest: until refused; DropOldest: well past the bound)
			for i := range 2000 {
				if err := e.Track(event("s", i)); err != nil && !errors.Is(err, ErrQueueFull) {
					t.Fatal(err)
				}
			}
			st0 := e.Stats()
			for _, bad := range []*pecta.Event{{AgentID: "a\xff"}, badBig()} {
				if bad.Validate() == nil {
					t.Fatal("setup: the event should be invalid")
				}
				err := e.Track(bad)
				var ve *pecta.ValidationError
				if !errors.Is(err, ErrInvalidEvent) || !errors.As(err, &ve) {
					t.Fatalf("Track(invalid) on a full queue = %v, want ErrInvalidEvent", err)
				}
			}
			st := e.Stats()
			checkInvariant(t, st)
			if d := st.DroppedByReason[ReasonQueueFull] - st0.DroppedByReason[ReasonQueueFull]; d != 0 {
				t.Errorf("invalid events cost %d queue_full drops (refused as full, or evicting valid events)", d)
			}
			if d := st.DroppedByReason[ReasonInvalid] - st0.DroppedByReason[ReasonInvalid]; d != 2 {
				t.Errorf("invalid drops %d, want 2", d)
			}
			// a valid non-ASCII event on the same queue is never refused as invalid
			if err := e.Track(&pecta.Event{AgentID: "agënt", Tool: strings.Repeat("ü", 200)}); err != nil && !errors.Is(err, ErrQueueFull) {
				t.Fatalf("valid non-ASCII event on a full queue: %v", err)
			}
		})
	}
}
