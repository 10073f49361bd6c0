package telemetry

import (
	"strings"
	"testing"
)

// asciiStrings (Track's slow-path check) sees a non-ASCII byte at every
// position of every kind of string, for every length class.
func TestASCIIStringsSeesEveryByte(t *testing.T) {
	for n := range 40 {
		for hi := -1; hi < n; hi++ {
			b := []byte(strings.Repeat("a", n))
			if hi >= 0 {
				b[hi] = 0xc3
			}
			for pos := range 4 {
				ev := event("x", 1)
				switch pos {
				case 0:
					ev.AgentID = string(b)
				case 1:
					ev.Tool = string(b)
				case 2:
					ev.Gates[1].Name = string(b)
				case 3:
					ev.Gates[2].Reason = string(b)
				}
				if asciiStrings(ev) != (hi < 0) {
					t.Fatalf("n %d hi %d pos %d", n, hi, pos)
				}
			}
		}
	}
}
