package telemetry

import (
	"encoding/binary"
	"math"
	"time"
	"unsafe"

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
//	flags u8 (bit 0 passed) | gates u8 | sec i64 | nsec u32 | total_latency f64
//	agent_id str | tool str | gates × (flags u8 (bit 0 passed, bit 1 skipped) | latency f64 | name str | reason str)
//
// where str is a u16 byte length followed by the bytes. Validate bounds
// every string to at most 2000 bytes and the gates to 50, so the widths fit.

// appendRecord appends ev's record, with timestamp sec/nsec, to dst.
func appendRecord(dst []byte, ev *pecta.Event, sec int64, nsec uint32) []byte {
	var flags byte
	if ev.Passed {
		flags = 1
	}
	dst = append(dst, flags, byte(len(ev.Gates)))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(sec))
	dst = binary.LittleEndian.AppendUint32(dst, nsec)
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(ev.TotalLatencyMS))
	dst = appendStr(dst, ev.AgentID)
	dst = appendStr(dst, ev.Tool)
	for i := range ev.Gates {
		g := &ev.Gates[i]
		var gf byte
		if g.Passed {
			gf |= 1
		}
		if g.Skipped {
			gf |= 2
		}
		dst = append(dst, gf)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(g.LatencyMS))
		dst = appendStr(dst, g.Name)
		dst = appendStr(dst, g.Reason)
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}

// recordEncoder turns records back into events and appends their JSON.
// Strings alias the record bytes, which stay untouched until the batch is
// recycled, after encoding.
type recordEncoder struct {
	ev    pecta.Event
	gates []pecta.GateResult
}

// appendJSON appends the JSON of every record in rec, comma separated.
func (r *recordEncoder) appendJSON(dst, rec []byte) []byte {
	first := true
	for len(rec) > 0 {
		rec = r.decode(rec)
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = r.ev.AppendJSON(dst)
	}
	return dst
}

// decode reads one record into r.ev and returns the rest of rec.
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
