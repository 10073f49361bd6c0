package peers

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
)

// sink is a loopback HTTP server that accepts whatever each SDK sends and
// answers with the smallest response that SDK treats as success. It reads
// every body in full so that each peer pays the same transport cost.
type sink struct {
	*httptest.Server
	requests atomic.Int64 // HTTP requests and UDP datagrams
	bytes    atomic.Int64
	udp      *net.UDPConn // DogStatsD datagrams
	udpAddr  string
	udpDone  chan struct{}
	udpFirst chan struct{} // closed at the first datagram
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newSink() *sink {
	s := &sink{}
	mux := http.NewServeMux()
	// pecta: POST /v1/ingest -> 202 {"accepted": n}; the emitter checks n.
	mux.HandleFunc("/v1/ingest", func(w http.ResponseWriter, r *http.Request) {
		body := s.read(r)
		n := bytes.Count(body.Bytes(), []byte(`{"agent_id":`))
		bufPool.Put(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"accepted":`+strconv.Itoa(n)+`,"reputation_updates":[]}`)
	})
	// posthog-go: POST /batch/ -> 200 {"status":1}.
	mux.HandleFunc("/batch/", func(w http.ResponseWriter, r *http.Request) {
		bufPool.Put(s.read(r))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":1}`)
	})
	// segment analytics-go: POST /v1/batch -> 200 {}.
	mux.HandleFunc("/v1/batch", func(w http.ResponseWriter, r *http.Request) {
		bufPool.Put(s.read(r))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	})
	// OTLP/HTTP: POST /v1/traces -> 200 with an empty protobuf
	// ExportTraceServiceResponse (zero bytes is a valid empty message).
	mux.HandleFunc("/v1/traces", func(w http.ResponseWriter, r *http.Request) {
		bufPool.Put(s.read(r))
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	})
	// Anything else (feature-flag polls and the like): 200 {}.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		bufPool.Put(s.read(r))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	})
	s.Server = httptest.NewServer(mux)
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic("sink: " + err.Error())
	}
	s.udp, s.udpAddr, s.udpDone, s.udpFirst = udp, udp.LocalAddr().String(), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.udpDone)
		buf := make([]byte, 64<<10)
		for {
			n, err := udp.Read(buf)
			if err != nil {
				return // closed
			}
			if s.requests.Add(1) == 1 {
				close(s.udpFirst)
			}
			s.bytes.Add(int64(n))
		}
	}()
	return s
}

// Close stops the HTTP server and the UDP socket.
func (s *sink) Close() {
	s.Server.Close()
	s.udp.Close()
	<-s.udpDone
}

func (s *sink) read(r *http.Request) *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	n, _ := b.ReadFrom(r.Body)
	s.requests.Add(1)
	s.bytes.Add(n)
	return b
}
