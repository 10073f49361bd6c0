package telemetry

import (
	"slices"
	"strings"
	"testing"
)

// putRecord (Track's kept path) copies every byte of every kind of string,
// for every length, reports a non-ASCII byte at every position, and never
// writes past the record's end (a canary fills the buffer's spare
// capacity; the last string of the record is one of the cases).
func TestPutRecordSeesEveryByte(t *testing.T) {
	var dec recordEncoder
	for n := range 70 {
		for hi := -1; hi < n; hi++ {
			b := []byte(strings.Repeat("a", n))
			for i := range n {
				b[i] += byte(i % 26) // a wrong offset shows in the copy
			}
			if hi >= 0 {
				b[hi] = 0xc3
			}
			str := string(b)
			for pos := range 4 {
				ev := event("x", 1)
				ev.Gates[2].Reason = ""
				switch pos {
				case 0:
					ev.AgentID = str
				case 1:
					ev.Tool = str
				case 2:
					ev.Gates[1].Name = str
				case 3:
					ev.Gates[2].Reason = str // the record's last string
				}
				size := recordSize(ev)
				dst := make([]byte, len("prefix"), len("prefix")+size+64)
				copy(dst, "prefix")
				spare := dst[len(dst):cap(dst)]
				for i := range spare {
					spare[i] = 0xa5
				}
				rec, ascii := putRecord(dst, size, ev, 1, 2)
				if ascii != (hi < 0) {
					t.Fatalf("n %d hi %d pos %d: ascii %v", n, hi, pos, ascii)
				}
				if &rec[0] != &dst[0] || len(rec) != len("prefix")+size {
					t.Fatalf("n %d pos %d: record of %d bytes, want %d in place", n, pos, len(rec), len("prefix")+size)
				}
				for i, c := range rec[len(rec):cap(rec)] {
					if c != 0xa5 {
						t.Fatalf("n %d hi %d pos %d: wrote %#x %d bytes past the record", n, hi, pos, c, i)
					}
				}
				if got := recordLen(rec[len("prefix"):]); got != size {
					t.Fatalf("recordLen %d, want %d", got, size)
				}
				if rest := dec.decode(rec[len("prefix"):]); len(rest) != 0 || string(rec[:6]) != "prefix" {
					t.Fatalf("n %d pos %d: %d bytes left", n, pos, len(rest))
				}
				got := []string{dec.ev.AgentID, dec.ev.Tool, dec.ev.Gates[1].Name, dec.ev.Gates[2].Reason}
				want := []string{ev.AgentID, ev.Tool, ev.Gates[1].Name, ev.Gates[2].Reason}
				if !slices.Equal(got, want) {
					t.Fatalf("n %d hi %d pos %d: record has %q, want %q", n, hi, pos, got, want)
				}
			}
		}
	}
}
