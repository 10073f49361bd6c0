package telemetry

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf8"

	"github.com/pecta-ai/pecta-go/internal/wire"
	"github.com/pecta-ai/pecta-go/pecta"
)

// Track does not encode JSON: formatting four floats and a timestamp costs
// more than the rest of the kept path. It copies the event into a compact
// binary record instead, and the sender encodes a batch's records as JSON
// once, right before sending it (recordEncoder).
//
// Record layout, little endian: a fixed part, then every string's bytes
// one after the other, so that Track checks them for ASCII in one pass
// over one contiguous range:
//
//	flags u8 (bit 0: the outcome sent) | gates u8 | sec i64 | nsec u32 |
//	total_latency f64 | len(agent_id) u16 | len(tool) u16 |
//	gates × (flags u8 (bit 0 passed, bit 1 skipped) | latency f64 | len(name) u16 | len(reason) u16) |
//	agent_id | tool | gates × (name | reason)
//
// Validate bounds every string to at most 2000 bytes and the gates to 50,
// so the widths fit.
const (
	recordHeader = 26 // flags, gates, sec, nsec, total_latency, two lengths
	gateHeader   = 13 // flags, latency, two lengths

	// maxRecordBytes is the largest record of a valid event.
	maxRecordBytes = recordHeader + 4*pecta.MaxAgentIDLen + 4*pecta.MaxToolLen +
		pecta.MaxGates*(gateHeader+4*pecta.MaxGateNameLen+4*pecta.MaxReasonLen)
)

// recordSize returns the length of ev's record, so that Track can check
// the queue bound before copying anything.
func recordSize(ev *pecta.Event) int {
	n := recordHeader + len(ev.AgentID) + len(ev.Tool)
	for i := range ev.Gates {
		n += gateHeader + len(ev.Gates[i].Name) + len(ev.Gates[i].Reason)
	}
	return n
}

// appendRecord appends ev's record, with timestamp sec/nsec, to dst.
func appendRecord(dst []byte, ev *pecta.Event, sec int64, nsec uint32) []byte {
	dst, _ = putRecord(dst, recordSize(ev), ev, sec, nsec)
	return dst
}

// putRecord appends ev's record, whose length size is recordSize(ev), to
// dst and reports whether the record's strings are ASCII (then valid UTF-8
// with one character per byte). It grows dst only when it has no room
// (a batch buffer is sized for a full batch, so that is rare).
func putRecord(dst []byte, size int, ev *pecta.Event, sec int64, nsec uint32) (_ []byte, ascii bool) {
	at := len(dst)
	if cap(dst)-at < size {
		dst = append(dst[:at:at], make([]byte, size)...)[:at]
	}
	r := dst[at : at+size]
	flags := byte(0)
	if ev.Passed {
		flags = 1
	}
	r[0] = flags
	r[1] = byte(len(ev.Gates))
	binary.LittleEndian.PutUint64(r[2:], uint64(sec))
	binary.LittleEndian.PutUint32(r[10:], nsec)
	binary.LittleEndian.PutUint64(r[14:], math.Float64bits(ev.TotalLatencyMS))
	binary.LittleEndian.PutUint16(r[22:], uint16(len(ev.AgentID)))
	binary.LittleEndian.PutUint16(r[24:], uint16(len(ev.Tool)))
	p := recordHeader
	all := true // with gates, the outcome sent is derived from them (pecta.Event)
	for i := range ev.Gates {
		g := &ev.Gates[i]
		gf := byte(0)
		if g.Passed {
			gf |= 1
		}
		if g.Skipped {
			gf |= 2
		}
		all = all && gf != 0
		q := r[p : p+gateHeader]
		q[0] = gf
		binary.LittleEndian.PutUint64(q[1:], math.Float64bits(g.LatencyMS))
		binary.LittleEndian.PutUint16(q[9:], uint16(len(g.Name)))
		binary.LittleEndian.PutUint16(q[11:], uint16(len(g.Reason)))
		p += gateHeader
	}
	if len(ev.Gates) > 0 && all != ev.Passed {
		r[0] = 0
		if all {
			r[0] = 1
		}
	}
	text := p
	p += copy(r[p:], ev.AgentID)
	p += copy(r[p:], ev.Tool)
	for i := range ev.Gates {
		p += copy(r[p:], ev.Gates[i].Name)
		p += copy(r[p:], ev.Gates[i].Reason)
	}
	return dst[:at+size], isASCII(r[text:])
}

// isASCII reports whether every byte of b is below 0x80, eight at a time.
func isASCII(b []byte) bool {
	var acc uint64
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return acc&0x8080808080808080 == 0
}

// recordLen returns the length of the well-formed record at the start of
// rec.
func recordLen(rec []byte) int {
	n := recordHeader + int(binary.LittleEndian.Uint16(rec[22:])) + int(binary.LittleEndian.Uint16(rec[24:]))
	for i := range int(rec[1]) {
		q := rec[recordHeader+i*gateHeader:]
		n += gateHeader + int(binary.LittleEndian.Uint16(q[9:])) + int(binary.LittleEndian.Uint16(q[11:]))
	}
	return n
}

// checkRecord returns the length of the record at the start of rec and
// whether it is one Track could have written: well formed and within the
// limits Validate enforces (the spool arena's recovery reads records a
// killed process left, and a damaged one would make the server refuse the
// whole batch it travels in).
func checkRecord(rec []byte) (int, bool) {
	if len(rec) < recordHeader || rec[0] > 1 || int(rec[1]) > pecta.MaxGates ||
		binary.LittleEndian.Uint32(rec[10:]) >= 1e9 || !recLatency(rec[14:]) {
		return 0, false
	}
	ngates := int(rec[1])
	fixed := recordHeader + ngates*gateHeader
	if len(rec) < fixed {
		return 0, false
	}
	off := fixed
	// limits are in characters, as Validate counts them
	text := func(n, limit int) bool {
		if n > limit*utf8.UTFMax || len(rec)-off < n {
			return false
		}
		s := rec[off : off+n]
		off += n
		return utf8.Valid(s) && utf8.RuneCount(s) <= limit
	}
	agentLen := int(binary.LittleEndian.Uint16(rec[22:]))
	if agentLen == 0 || !text(agentLen, pecta.MaxAgentIDLen) ||
		!text(int(binary.LittleEndian.Uint16(rec[24:])), pecta.MaxToolLen) {
		return 0, false
	}
	for i := range ngates {
		q := rec[recordHeader+i*gateHeader:]
		nameLen := int(binary.LittleEndian.Uint16(q[9:]))
		if q[0] > 3 || !recLatency(q[1:]) || nameLen == 0 ||
			!text(nameLen, pecta.MaxGateNameLen) || !text(int(binary.LittleEndian.Uint16(q[11:])), pecta.MaxReasonLen) {
			return 0, false
		}
	}
	return off, true
}

// recLatency reports whether the float64 at the start of b is a latency
// Validate accepts.
func recLatency(b []byte) bool {
	return wire.ValidLatency(math.Float64frombits(binary.LittleEndian.Uint64(b)))
}

// recordEncoder turns records into their JSON, byte for byte what
// pecta.Event.AppendJSON gives for the event the record was made from
// (TestRecordJSONMatchesEvent). It caches the text of the last second it
// formatted: the events of a batch share a handful of seconds.
type recordEncoder struct {
	ev    pecta.Event // decode's result (tests)
	gates []pecta.GateResult

	sec    int64    // second whose text is cached, valid when secLen > 0
	secTxt [20]byte // "2006-01-02T15:04:05."
	secLen int
}

// appendJSON appends the JSON of every record in rec, comma separated.
func (r *recordEncoder) appendJSON(dst, rec []byte) []byte {
	for i := 0; len(rec) > 0; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst, rec = r.appendOne(dst, rec)
	}
	return dst
}

// recordView is a record's fields, its strings aliasing the record.
type recordView struct {
	flags      byte
	sec        int64
	nsec       uint32
	lat        float64
	agent      []byte
	tool       []byte
	gates      []byte // the gate headers
	text, rest []byte // the gates' names and reasons; what follows the record
}

func viewRecord(rec []byte) recordView {
	ngates := int(rec[1])
	v := recordView{
		flags: rec[0],
		sec:   int64(binary.LittleEndian.Uint64(rec[2:])),
		nsec:  binary.LittleEndian.Uint32(rec[10:]),
		lat:   math.Float64frombits(binary.LittleEndian.Uint64(rec[14:])),
		gates: rec[recordHeader : recordHeader+ngates*gateHeader],
	}
	text := rec[recordHeader+ngates*gateHeader:]
	v.agent, text = cut(text, int(binary.LittleEndian.Uint16(rec[22:])))
	v.tool, text = cut(text, int(binary.LittleEndian.Uint16(rec[24:])))
	n := 0
	for i := range ngates {
		q := v.gates[i*gateHeader:]
		n += int(binary.LittleEndian.Uint16(q[9:])) + int(binary.LittleEndian.Uint16(q[11:]))
	}
	v.text, v.rest = cut(text, n)
	return v
}

func cut(b []byte, n int) ([]byte, []byte) { return b[:n:n], b[n:] }

// gate returns the i-th gate's flags, latency, name and reason; text holds
// the names and reasons of gate i and the gates after it.
func (v *recordView) gate(i int, text []byte) (gf byte, lat float64, name, reason, rest []byte) {
	q := v.gates[i*gateHeader:]
	gf = q[0]
	lat = math.Float64frombits(binary.LittleEndian.Uint64(q[1:]))
	name, text = cut(text, int(binary.LittleEndian.Uint16(q[9:])))
	reason, text = cut(text, int(binary.LittleEndian.Uint16(q[11:])))
	return gf, lat, name, reason, text
}

// appendOne appends the JSON of the first record of rec and returns the
// rest of rec.
func (r *recordEncoder) appendOne(dst, rec []byte) ([]byte, []byte) {
	v := viewRecord(rec)
	dst = append(dst, `{"agent_id":`...)
	dst = wire.AppendString(dst, v.agent)
	if len(v.tool) > 0 {
		dst = append(dst, `,"tool":`...)
		dst = wire.AppendString(dst, v.tool)
	}
	if v.flags&1 != 0 {
		dst = append(dst, `,"passed":true,"total_latency_ms":`...)
	} else {
		dst = append(dst, `,"passed":false,"total_latency_ms":`...)
	}
	dst = wire.AppendFloat(dst, v.lat)
	if v.sec != zeroTimeUnix || v.nsec != 0 { // as AppendJSON: a zero time is omitted
		dst = append(dst, `,"timestamp":"`...)
		dst = r.appendTime(dst, v.sec, v.nsec)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"gates":[`...)
	text := v.text
	for i := range len(v.gates) / gateHeader {
		var gf byte
		var lat float64
		var name, reason []byte
		gf, lat, name, reason, text = v.gate(i, text)
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = wire.AppendString(dst, name)
		if gf&1 != 0 {
			dst = append(dst, `,"passed":true,"latency_ms":`...)
		} else {
			dst = append(dst, `,"passed":false,"latency_ms":`...)
		}
		dst = wire.AppendFloat(dst, lat)
		if len(reason) > 0 {
			dst = append(dst, `,"reason":`...)
			dst = wire.AppendString(dst, reason)
		}
		if gf&2 != 0 {
			dst = append(dst, `,"skipped":true`...)
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...), v.rest
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
			return time.Unix(sec, int64(nsec)).UTC().AppendFormat(dst, wire.TimeLayout)
		}
		r.sec, r.secLen = sec, len(b)
	}
	dst = append(dst, r.secTxt[:r.secLen]...)
	ms := nsec / 1e6
	return append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// decode reads the first record of rec into r.ev and returns the rest of
// rec (tests check appendOne against it). The strings are copies.
func (r *recordEncoder) decode(rec []byte) []byte {
	v := viewRecord(rec)
	r.ev.Passed = v.flags&1 != 0
	r.ev.TotalLatencyMS = v.lat
	r.ev.Timestamp = time.Unix(v.sec, int64(v.nsec)).UTC()
	r.ev.AgentID, r.ev.Tool = string(v.agent), string(v.tool)
	n := len(v.gates) / gateHeader
	r.gates = append(r.gates[:0], make([]pecta.GateResult, n)...)
	text := v.text
	for i := range r.gates {
		g := &r.gates[i]
		var gf byte
		var name, reason []byte
		gf, g.LatencyMS, name, reason, text = v.gate(i, text)
		g.Passed, g.Skipped = gf&1 != 0, gf&2 != 0
		g.Name, g.Reason = string(name), string(reason)
	}
	r.ev.Gates = r.gates
	return v.rest
}
