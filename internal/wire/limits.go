package wire

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
