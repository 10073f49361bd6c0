package telemetry

import (
	"encoding/binary"
	"math"
	"time"
	"unsafe"

	"github.com/pecta-ai/pecta-go/internal/wire"
	"github.com/pecta-ai/pecta-go/pecta"
)

// Track does not encode JSON: turning four floats and a timestamp into text
// costs more than the whole 200 ns budget of the hot path on a small VM.
// It copies the event into a compact binary record instead (a few memmoves
// and fixed-width stores), and the sender encodes the batch with
// pecta.Event.AppendJSON, once, right before sending it.
//
// Record layout, little endian:
//
//	flags u8 (bit 0 passed: the outcome sent) | gates u8 | sec i64 | nsec u32 | total_latency f64
//	agent_id str | tool str | gates × (flags u8 (bit 0 passed, bit 1 skipped) | latency f64 | name str | reason str)
//
// where str is a u16 byte length followed by the bytes. Validate bounds
// every string to at most 2000 bytes and the gates to 50, so the widths fit.

// recordSize returns the length of ev's record, so that Track can check
// the queue bound before copying anything.
func recordSize(ev *pecta.Event) int {
	n := recordHeader + 4 + len(ev.AgentID) + len(ev.Tool)
	for i := range ev.Gates {
		g := &ev.Gates[i]
		n += gateHeader + 4 + len(g.Name) + len(g.Reason)
	}
	return n
}

const (
	recordHeader = 22 // flags, gates, sec, nsec, total_latency
	gateHeader   = 9  // flags, latency
)

// appendRecord appends ev's record, with timestamp sec/nsec, to dst.
func appendRecord(dst []byte, ev *pecta.Event, sec int64, nsec uint32) []byte {
	dst, _ = putRecord(dst, recordSize(ev), ev, sec, nsec)
	return dst
}

// growRecords returns dst with room for n more bytes (an event larger than
// the batch's buffer: rare, and it allocates).
func growRecords(dst []byte, n int) []byte {
	return append(dst[:len(dst):len(dst)], make([]byte, n)...)[:len(dst)]
}

// recordEncoder turns records into their JSON, byte for byte what
// pecta.Event.AppendJSON gives for the event the record was made from
// (TestRecordJSONMatchesEvent), without building the event: it writes the
// fields straight from the record, and formats a timestamp by appending
// the milliseconds to the cached text of its second (events of a batch
// share a handful of seconds, and the calendar arithmetic of
// time.AppendFormat costs ~100 ns).
type recordEncoder struct {
	ev    pecta.Event // for decode (tests)
	gates []pecta.GateResult

	sec    int64    // second whose text is cached, valid when secLen > 0
	secTxt [20]byte // "2006-01-02T15:04:05."
	secLen int
}

// appendJSON appends the JSON of every record in rec, comma separated.
func (r *recordEncoder) appendJSON(dst, rec []byte) []byte {
	first := true
	for len(rec) > 0 {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst, rec = r.appendOne(dst, rec)
	}
	return dst
}

// appendOne appends the JSON of the first record of rec and returns the
// rest of rec.
func (r *recordEncoder) appendOne(dst, rec []byte) ([]byte, []byte) {
	flags, ngates := rec[0], int(rec[1])
	sec := int64(binary.LittleEndian.Uint64(rec[2:]))
	nsec := binary.LittleEndian.Uint32(rec[10:])
	lat := math.Float64frombits(binary.LittleEndian.Uint64(rec[14:]))
	rec = rec[recordHeader:]
	var agent, tool string
	agent, rec = readStr(rec)
	tool, rec = readStr(rec)
	dst = append(dst, `{"agent_id":`...)
	dst = wire.AppendString(dst, agent)
	if tool != "" {
		dst = append(dst, `,"tool":`...)
		dst = wire.AppendString(dst, tool)
	}
	if flags&1 != 0 {
		dst = append(dst, `,"passed":true,"total_latency_ms":`...)
	} else {
		dst = append(dst, `,"passed":false,"total_latency_ms":`...)
	}
	dst = wire.AppendFloat(dst, lat)
	if sec != zeroTimeUnix || nsec != 0 { // as AppendJSON: a zero time is omitted
		dst = append(dst, `,"timestamp":"`...)
		dst = r.appendTime(dst, sec, nsec)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"gates":[`...)
	for i := range ngates {
		if i > 0 {
			dst = append(dst, ',')
		}
		gf := rec[0]
		glat := math.Float64frombits(binary.LittleEndian.Uint64(rec[1:]))
		rec = rec[gateHeader:]
		var name, reason string
		name, rec = readStr(rec)
		reason, rec = readStr(rec)
		dst = append(dst, `{"name":`...)
		dst = wire.AppendString(dst, name)
		if gf&1 != 0 {
			dst = append(dst, `,"passed":true,"latency_ms":`...)
		} else {
			dst = append(dst, `,"passed":false,"latency_ms":`...)
		}
		dst = wire.AppendFloat(dst, glat)
		if reason != "" {
			dst = append(dst, `,"reason":`...)
			dst = wire.AppendString(dst, reason)
		}
		if gf&2 != 0 {
			dst = append(dst, `,"skipped":true`...)
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...), rec
}

// zeroTimeUnix is time.Time{}.Unix().
const zeroTimeUnix = -62135596800

// appendTime appends sec/nsec in the wire's layout, unquoted
// ("2026-05-07T14:22:44.123Z", UTC, milliseconds truncated as
// time.AppendFormat does).
func (r *recordEncoder) appendTime(dst []byte, sec int64, nsec uint32) []byte {
	if r.secLen == 0 || sec != r.sec {
		b := time.Unix(sec, 0).UTC().AppendFormat(r.secTxt[:0], "2006-01-02T15:04:05.")
		if len(b) != len(r.secTxt) { // not a four-digit year: Validate prevents it
			r.secLen = 0
			dst = time.Unix(sec, int64(nsec)).UTC().AppendFormat(dst, wire.TimeLayout)
			return dst
		}
		r.sec, r.secLen = sec, len(b)
	}
	dst = append(dst, r.secTxt[:r.secLen]...)
	ms := nsec / 1e6
	return append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// decode reads one record into r.ev and returns the rest of rec (the
// reference appendOne is tested against).
func (r *recordEncoder) decode(rec []byte) []byte {
	flags, ngates := rec[0], int(rec[1])
	sec := int64(binary.LittleEndian.Uint64(rec[2:]))
	nsec := binary.LittleEndian.Uint32(rec[10:])
	lat := math.Float64frombits(binary.LittleEndian.Uint64(rec[14:]))
	rec = rec[22:]
	r.ev.Passed = flags&1 != 0
	r.ev.TotalLatencyMS = lat
	r.ev.Timestamp = time.Unix(sec, int64(nsec)).UTC()
	r.ev.AgentID, rec = readStr(rec)
	r.ev.Tool, rec = readStr(rec)
	if cap(r.gates) < ngates {
		r.gates = make([]pecta.GateResult, ngates, pecta.MaxGates)
	}
	r.gates = r.gates[:ngates]
	for i := range r.gates {
		g := &r.gates[i]
		gf := rec[0]
		g.Passed = gf&1 != 0
		g.Skipped = gf&2 != 0
		g.LatencyMS = math.Float64frombits(binary.LittleEndian.Uint64(rec[1:]))
		rec = rec[9:]
		g.Name, rec = readStr(rec)
		g.Reason, rec = readStr(rec)
	}
	r.ev.Gates = r.gates
	return rec
}

func readStr(rec []byte) (string, []byte) {
	n := int(binary.LittleEndian.Uint16(rec))
	rec = rec[2:]
	if n == 0 {
		return "", rec
	}
	return unsafe.String(&rec[0], n), rec[n:]
}
