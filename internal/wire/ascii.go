package wire

import "unsafe"

// HighBits masks the top bit of every byte of a word: a word ORed from
// ASCII bytes has none of them set.
const HighBits = 0x8080808080808080

// OrBytes returns the bytes of s ORed together into a word (in no
// particular lanes): s is ASCII exactly when OrBytes(s)&HighBits == 0.
//
// It reads s eight bytes at a time, with an overlapping last word (two
// overlapping 4-byte loads, or three single loads, for shorter strings),
// never past the end of s: for the ids and names of an event it costs a few
// instructions where a byte loop costs one iteration per byte, and it is
// small enough to be inlined (strings over 16 bytes take a loop). The loads are unaligned (Load64/Load32: plain
// loads on amd64 and arm64, byte loads elsewhere).
func OrBytes(s string) uint64 {
	n := len(s)
	p := unsafe.Pointer(unsafe.StringData(s))
	switch {
	case n > 16:
		return OrLong(p, n)
	case n >= 8:
		return Load64(p, 0) | Load64(p, n-8)
	case n >= 4:
		return uint64(Load32(p, 0) | Load32(p, n-4))
	case n > 0:
		return uint64(*(*byte)(p) | *(*byte)(unsafe.Add(p, n>>1)) | *(*byte)(unsafe.Add(p, n-1)))
	}
	return 0
}

// OrLong is OrBytes of the n > 8 bytes at p.
func OrLong(p unsafe.Pointer, n int) uint64 {
	acc := Load64(p, n-8)
	for i := 0; i < n-8; i += 8 {
		acc |= Load64(p, i)
	}
	return acc
}

// Limits of an event shared by pecta.Event.Validate and the telemetry
// record writer's fast check (one definition).
const (
	MaxLatencyMS = 1e12         // sanity bound: a latency beyond ~31 years is a bug
	MinUnix      = -62135596800 // 0001-01-01T00:00:00Z: RFC 3339 has four-digit years
	MaxUnix      = 253402300799 // 9999-12-31T23:59:59Z
)

// ValidLatency is the latency rule of an event (finite, >= 0, at most
// MaxLatencyMS), in one place for pecta.Event.Validate, the telemetry
// record writer and the spool arena's recovery: NaN fails both
// comparisons, +Inf the second.
func ValidLatency(f float64) bool { return f >= 0 && f <= MaxLatencyMS }
