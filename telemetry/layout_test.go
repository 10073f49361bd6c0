package telemetry

import (
	"testing"
	"time"
	"unsafe"
)

// Track's cold-call cost is mostly the lines and pages it touches (see
// track.go): the sampler's counters must start on a cache line, so that no
// 32-byte counter straddles two lines, and the header Track reads must not
// share a line with fields other cores write. emitterPad is adjusted when
// fields change (64-bit platforms; 32-bit ones only lose a little speed).
func TestEmitterLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("layout tuned for 64-bit platforms")
	}
	var e Emitter
	samp := unsafe.Offsetof(e.samp)
	counts := samp + unsafe.Offsetof(e.samp.counts)
	if unsafe.Sizeof(sampleCounter{}) != 32 {
		t.Errorf("sampleCounter is %d bytes, want 32 (two per line)", unsafe.Sizeof(sampleCounter{}))
	}
	if samp%cacheLine != 0 || counts%cacheLine != 0 {
		t.Errorf("Emitter.samp at %d, its counters at %d: want both multiples of %d (adjust emitterPad by %d)",
			samp, counts, cacheLine, (cacheLine-samp%cacheLine)%cacheLine)
	}
	shardsEnd := unsafe.Offsetof(e.shardBuf) + unsafe.Sizeof(e.shardBuf)
	if samp-shardsEnd < 64 {
		t.Errorf("the sampler's header is %d bytes after the last shard: want a line between", samp-shardsEnd)
	}
	if end := unsafe.Offsetof(e.samp) + unsafe.Offsetof(e.samp.counts); end > 4096 {
		t.Errorf("the fields Track reads end at %d: want them on the emitter's first page", end)
	}
}

// The coarse clock holds unix seconds from 1970 to 2514: outside them it
// stays stopped and Track reads time.Now, instead of stamping a wrong year.
func TestClockRange(t *testing.T) {
	var c clock
	for _, tt := range []struct {
		at   time.Time
		live bool
	}{
		{time.Date(2026, 11, 22, 16, 0, 0, 123456789, time.UTC), true},
		{time.Unix(-5, 5e8), false},
		{time.Unix(0, 0), false},
		{time.Date(2600, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		c.set(tt.at)
		if c.live() != tt.live {
			t.Errorf("set(%v): live %v, want %v", tt.at, c.live(), tt.live)
			continue
		}
		if !tt.live {
			continue
		}
		sec, nsec := c.now()
		if sec != tt.at.Unix() || nsec != uint32(tt.at.Nanosecond()) {
			t.Errorf("set(%v): now() = %d.%09d", tt.at, sec, nsec)
		}
	}
	c.stop()
	if c.live() {
		t.Error("stop left the clock live")
	}
}
