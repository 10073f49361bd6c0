package telemetry

import (
	"testing"
	"time"
)

func TestPacerNeverExceedsRatePerWindow(t *testing.T) {
	for _, rpm := range []int{1, 7, 60, 500, 5000} {
		var p pacer
		p.init(rpm)
		start := time.Now()
		now := start
		p.last = now
		// send as fast as the pacer allows for 3 minutes of fake time
		var sent []time.Time
		for now.Sub(start) < 3*time.Minute && len(sent) < 20000 {
			wait := p.reserve(now)
			now = now.Add(wait)
			sent = append(sent, now)
		}
		// no 60 s window holds more than rpm requests
		j := 0
		for i := range sent {
			for sent[i].Sub(sent[j]) >= time.Minute {
				j++
			}
			if i-j+1 > rpm {
				t.Fatalf("rpm %d: %d requests within 60s", rpm, i-j+1)
			}
		}
		if rpm >= 60 && len(sent) < 2*rpm {
			t.Fatalf("rpm %d: only %d requests in 3 minutes", rpm, len(sent))
		}
	}
}

func TestPacerPause(t *testing.T) {
	var p pacer
	p.init(-1)
	now := time.Now()
	if d := p.reserve(now); d != 0 {
		t.Fatalf("unpaced wait %v", d)
	}
	p.pause(now.Add(2 * time.Second))
	if d := p.reserve(now); d != 2*time.Second {
		t.Fatalf("paused wait %v", d)
	}
	if !p.paused(now.Add(3 * time.Second)).IsZero() {
		t.Fatal("pause did not end")
	}
}
