package pectatest

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Server is an in-process Pecta API server listening on a loopback address. Create it with
// NewServer and stop it with Close. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, "http://127.0.0.1:PORT", without a trailing slash.
	URL string
	// PublishableKey is the provisioned pk_live_ key, scopes read and write.
	PublishableKey pecta.APIKey
	// SecretKey is the provisioned sk_live_ key, scopes read and write. Until revoked it is
	// also a signing secret that ingest signatures are verified against, as every live
	// secret key of the organisation is. Zero with WithoutSecretKey.
	SecretKey pecta.APIKey

	cfg     config
	addr    string
	closeCh chan struct{} // closed by Close: ends latency waits
	wg      sync.WaitGroup

	lifeMu    sync.Mutex // guards the fields below
	srv       *http.Server
	ln        net.Listener
	serveDone chan struct{}
	closed    bool

	mu          sync.Mutex // guards the state below
	latency     time.Duration
	latencyHook func() // test hook: called when a request starts its latency wait
	faults      []fault
	transports  []*http.Transport // of the clients made by Client
	requests    []Request
	recordGen   uint64
	ingested    []IngestedEvent
	stats       Stats
	keys        keyStore
	agents      map[string]*agent
	agentSeq    uint64
	events      []storedEvent
	eventSeq    uint64
	usage       []usageLog
	limiter     rateLimiter
}

// NewServer starts a Server on 127.0.0.1 with a random free port. It panics if it cannot
// listen or if WithKeys was given malformed keys, like httptest.NewServer.
func NewServer(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{
		cfg:     cfg,
		closeCh: make(chan struct{}),
		keys:    newKeyStore(),
		agents:  make(map[string]*agent),
	}
	s.provisionKeys()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("pectatest: listen: " + err.Error())
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	s.lifeMu.Lock()
	s.serveLocked(ln)
	s.lifeMu.Unlock()
	return s
}

// provisionKeys stores the organisation's keys: a publishable one and, unless
// WithoutSecretKey, a secret one, each the key WithKeys gave or a new one, with every
// scope. The configured key texts are dropped once stored as hashes.
func (s *Server) provisionKeys() {
	s.PublishableKey = s.provision(keyTypePublishable, s.cfg.publishable)
	if !s.cfg.withoutSecret {
		s.SecretKey = s.provision(keyTypeSecret, s.cfg.secret)
	}
	s.cfg.publishable, s.cfg.secret = "", ""
}

// provision stores key (a new key when "") as a key of type typ with every scope. It panics
// when key is not a well-formed key of that type; the message never shows the key.
func (s *Server) provision(typ, key string) pecta.APIKey {
	if key == "" {
		key = newKey(typ)
	}
	if keyTypeOf(key) != typ {
		panic("pectatest: WithKeys: the " + typ + " key must match " + keyPrefix(typ) + "[A-Za-z0-9]{32}")
	}
	s.addKey("provisioned "+typ, typ, allScopes(), key)
	return pecta.NewAPIKey(key)
}

// now is the configured clock, in UTC, truncated to milliseconds.
func (s *Server) now() time.Time {
	return s.cfg.now().UTC().Truncate(time.Millisecond)
}

// serveLocked starts serving on ln. The caller holds lifeMu.
func (s *Server) serveLocked(ln net.Listener) {
	srv := &http.Server{
		Handler:  http.HandlerFunc(s.handle),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	done := make(chan struct{})
	s.srv, s.ln, s.serveDone = srv, ln, done
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

// Close stops the server: it stops accepting connections, ends injected latency waits,
// waits for requests being handled to finish, closes every connection, and closes the idle
// connections of the clients made by Client. Close is safe to call more than once.
func (s *Server) Close() {
	s.lifeMu.Lock()
	if s.closed {
		s.lifeMu.Unlock()
		return
	}
	s.closed = true
	close(s.closeCh)
	srv, ln, done := s.srv, s.ln, s.serveDone
	s.srv, s.ln, s.serveDone = nil, nil, nil
	s.lifeMu.Unlock()

	if srv != nil {
		_ = ln.Close()
		<-done
	}
	s.wg.Wait()
	if srv != nil {
		_ = srv.Close()
	}
	s.closeClientConns()
}

// Down makes the server unreachable: it closes the listener and every open connection, so
// clients get connection refused (or a reset) until Up. Requests being handled finish on
// their own. Down on a server that is already down or closed does nothing.
func (s *Server) Down() {
	s.lifeMu.Lock()
	srv, done := s.srv, s.serveDone
	s.srv, s.ln, s.serveDone = nil, nil, nil
	s.lifeMu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	<-done
}

// ErrClosed is returned by Up on a closed server.
var ErrClosed = errors.New("pectatest: server closed")

// Up listens again on the same address as before Down and serves. It returns nil when the
// server is already up, ErrClosed after Close, and the listen error if the address cannot
// be bound again.
func (s *Server) Up() error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.serveLocked(ln)
	return nil
}

// enter registers a request with the WaitGroup Close waits on; false once closed.
func (s *Server) enter() bool {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// SetLatency adds d before handling every request (0 removes it). The wait ends early when
// the request's context ends or the server closes; a request cut short by Close gets 503
// unavailable.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// waitLatency sleeps the injected latency; false if the request must stop.
func (s *Server) waitLatency(r *http.Request) (ok bool, closed bool) {
	s.mu.Lock()
	d, hook := s.latency, s.latencyHook
	s.mu.Unlock()
	if d <= 0 {
		return true, false
	}
	if hook != nil {
		hook()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true, false
	case <-r.Context().Done():
		return false, false
	case <-s.closeCh:
		return false, true
	}
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// handle is the root handler: record, latency, faults, then the routes.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !s.enter() {
		writeError(w, errorf(http.StatusServiceUnavailable, codeUnavailable, "pectatest: server closed"))
		return
	}
	defer s.wg.Done()

	body, tooLarge := readBody(r)
	ref := s.record(r, body)
	sw := &statusWriter{ResponseWriter: w}
	defer func() { s.setRecordedStatus(ref, sw.status) }()

	if ok, closed := s.waitLatency(r); !ok {
		if closed {
			writeError(sw, errorf(http.StatusServiceUnavailable, codeUnavailable, "pectatest: server closed"))
		}
		return
	}
	if f, ok := s.popFault(r); ok {
		s.applyFault(w, sw, f)
		return
	}
	s.route(sw, r, body, tooLarge, start)
}

// readBody reads at most maxBodyBytes; tooLarge reports a longer body.
func readBody(r *http.Request) (body []byte, tooLarge bool) {
	if r.Body == nil {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if len(b) > maxBodyBytes {
		return b[:maxBodyBytes], true
	}
	_ = err // a broken body is handled as what was read
	return b, false
}
