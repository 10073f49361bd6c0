package peers

import (
	"testing"
	"time"
)

// TestSmoke creates each emitter against the sink, enqueues one event and
// closes it, checking that the sink received a request.
func TestSmoke(t *testing.T) {
	for _, p := range peers {
		t.Run(p.name, func(t *testing.T) {
			s := newSink()
			defer s.Close()
			e, err := p.start(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Enqueue(); err != nil {
				t.Fatalf("enqueue: %v", err)
			}
			if err := e.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if p.makeSink != nil { // UDP: the datagram may still be in the socket
				select {
				case <-s.udpFirst:
				case <-time.After(5 * time.Second):
				}
			}
			if s.requests.Load() == 0 {
				t.Fatalf("close delivered nothing to the sink")
			}
		})
	}
}
