package telemetry_test

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// A key rotation end to end, against pectatest over loopback: a client and
// an emitter share one *pecta.Credentials, events flow at a steady rate
// (every one kept, unpaced), new keys are created with Keys.Create, the
// server goes down and the events tracked meanwhile wait in the spool
// signed under the old secret; the new keys are handed over during the
// outage (one Update), and the old keys are revoked while the returning
// server holds ingest off with a 429, so that the backlog meets a server
// that refuses the old keys. Every tracked event must be sent and reach
// the server, none dropped: a 401 under the old keys ends in a re-signed,
// accepted batch, never in a drop. examples/rotate is the same run as a
// program.
func TestRotationEndToEnd(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	oldPK, oldSK := srv.PublishableKey, srv.SecretKey

	creds, err := pecta.NewCredentials(oldPK, oldSK)
	if err != nil {
		t.Fatal(err)
	}
	adminCreds, err := pecta.NewCredentials(oldSK, pecta.APIKey{})
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client(pecta.WithCredentials(creds))
	admin := srv.Client(pecta.WithCredentials(adminCreds))
	em, err := telemetry.NewFromClient(client, telemetry.Config{
		SampleRate:        1,
		RequestsPerMinute: -1,
		FlushInterval:     50 * time.Millisecond,
		RetryWaitMin:      20 * time.Millisecond,
		RetryWaitMax:      500 * time.Millisecond,
		Spool:             newMemSpool(t.TempDir()),
	})
	if err != nil {
		t.Fatal(err)
	}
	p := startTracking(em, 2000)
	t.Cleanup(p.stop)

	<-p.after(200)
	if err := em.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	pk, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "pk 2", Type: pecta.KeyTypePublishable})
	if err != nil {
		t.Fatal(err)
	}
	sk, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "sk 2", Type: pecta.KeyTypeSecret})
	if err != nil {
		t.Fatal(err)
	}

	srv.Down()
	<-p.after(800)
	if err := creds.Update(pk.Secret, sk.Secret); err != nil {
		t.Fatal(err)
	}
	if err := adminCreds.Update(sk.Secret, pecta.APIKey{}); err != nil {
		t.Fatal(err)
	}
	<-p.after(400)

	// The server returns holding ingest off for a second (429): the old
	// keys are revoked before the backlog reaches it.
	srv.On("POST /v1/ingest").FailNext(1, http.StatusTooManyRequests, time.Second)
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	before := em.Stats()
	backlog, spooled := before.Pending, before.SpooledEvents
	keys, err := admin.Keys.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	revoked := 0
	for _, k := range keys {
		if k.Preview == oldPK.Preview() || k.Preview == oldSK.Preview() {
			if err := admin.Keys.Revoke(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			revoked++
		}
	}
	if revoked != 2 || backlog < 500 || spooled == 0 {
		t.Fatalf("revoked %d old keys with %d events pending, %d in the spool; want 2, with the outage's backlog in the spool",
			revoked, backlog, spooled)
	}
	<-p.after(1000)
	p.stop()

	closeCtx, cancelClose := context.WithTimeout(ctx, 30*time.Second)
	defer cancelClose()
	if err := em.Close(closeCtx); err != nil {
		t.Errorf("Close: %v", err)
	}
	st := em.Stats()
	tracked := p.tracked.Load()
	if st.Tracked != tracked || st.Sent != tracked || st.Dropped != 0 || st.Unconfirmed != 0 || st.Pending != 0 {
		t.Fatalf("tracked %d: %v (dropped by reason %v)", tracked, st, st.DroppedByReason)
	}

	// The server has every event, and accepted only batches signed under a
	// live secret; what it refused under the old keys came back.
	seen := make(map[string]bool)
	for _, ev := range srv.Ingested() {
		seen[ev.Tool] = true
	}
	for i := range tracked {
		if !seen["ev-"+strconv.FormatUint(i, 10)] {
			t.Fatalf("event %d never reached the server", i)
		}
	}
	var refused []string
	accepted := make(map[string]bool)
	newSigned := 0
	for _, r := range srv.Requests() {
		if r.Path != "/v1/ingest" {
			continue
		}
		switch r.Status {
		case http.StatusUnauthorized:
			refused = append(refused, string(r.Body))
		case http.StatusAccepted:
			accepted[string(r.Body)] = true
			if !r.SignatureValid {
				t.Error("an accepted batch carried no valid signature")
			}
			if r.SignedWith == sk.ID {
				newSigned++
				if r.Header.Get("Authorization") != "Bearer "+pk.Secret.Reveal() {
					t.Error("a batch signed under the new secret went out under the old key")
				}
			}
		}
	}
	for _, body := range refused {
		if !accepted[body] {
			t.Error("a batch refused under the old keys was not accepted later, the same bytes")
		}
	}
	if newSigned == 0 {
		t.Error("no batch was signed under the new secret")
	}
	t.Logf("tracked %d, backlog %d (%d spooled) at the revocation; %d ingest requests refused under the old keys, %d accepted under the new secret",
		tracked, backlog, spooled, len(refused), newSigned)
}

// tracker tracks events at a steady rate, numbered in Tool, until stopped.
type tracker struct {
	tracked atomic.Uint64
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once

	mu      sync.Mutex
	waiters []waiter
}

type waiter struct {
	at uint64
	ch chan struct{}
}

// after returns a channel closed once n more events are tracked.
func (p *tracker) after(n uint64) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := waiter{at: p.tracked.Load() + n, ch: make(chan struct{})}
	p.waiters = append(p.waiters, w)
	return w.ch
}

// wake closes the channels of the waiters whose count is reached.
func (p *tracker) wake() {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.tracked.Load()
	p.waiters = slices.DeleteFunc(p.waiters, func(w waiter) bool {
		if n >= w.at {
			close(w.ch)
			return true
		}
		return false
	})
}

func startTracking(em *telemetry.Emitter, perSecond int) *tracker {
	p := &tracker{done: make(chan struct{})}
	const tick = 5 * time.Millisecond
	n := perSecond * int(tick) / int(time.Second)
	p.wg.Go(func() {
		tk := time.NewTicker(tick)
		defer tk.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-tk.C:
			}
			for range n {
				i := p.tracked.Load()
				ev := pecta.Event{AgentID: "rotating", Tool: "ev-" + strconv.FormatUint(i, 10), Passed: true}
				_ = em.Track(&ev) // a refused event is counted as dropped
				p.tracked.Add(1)
			}
			p.wake()
		}
	})
	return p
}

func (p *tracker) stop() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
}

// memSpool is a telemetry.Spool in memory (the bbolt store of the
// telemetry/spool module is out of this module's reach).
type memSpool struct {
	dir     string
	mu      sync.Mutex
	batches map[uint64]telemetry.SpoolBatch
}

func newMemSpool(dir string) *memSpool {
	return &memSpool{dir: dir, batches: make(map[uint64]telemetry.SpoolBatch)}
}

func (s *memSpool) Dir() string  { return s.dir }
func (s *memSpool) Close() error { return nil }

func (s *memSpool) Scan(fn func(telemetry.SpoolBatch) error) error {
	s.mu.Lock()
	list := make([]telemetry.SpoolBatch, 0, len(s.batches))
	for _, b := range s.batches {
		list = append(list, b)
	}
	s.mu.Unlock()
	slices.SortFunc(list, func(a, b telemetry.SpoolBatch) int { return cmp.Compare(a.Key, b.Key) })
	for _, b := range list {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSpool) Write(put, del []telemetry.SpoolBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range put {
		b.Data = slices.Clone(b.Data)
		s.batches[b.Key] = b
	}
	for _, b := range del {
		delete(s.batches, b.Key)
	}
	return nil
}

func (s *memSpool) Read(b telemetry.SpoolBatch, dst []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	got, ok := s.batches[b.Key]
	if !ok {
		return dst, errors.New("memspool: no such batch")
	}
	return append(dst, got.Data...), nil
}
