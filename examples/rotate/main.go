// Command rotate rotates the keys of a running client and emitter, as the
// key documents say to (create new keys, update the application, revoke
// the old ones), without a restart and without losing an event, while the
// emitter holds a backlog from an outage:
//
//  1. a client and an emitter share one *pecta.Credentials; events flow
//     at a steady rate (-rate per second, every one kept);
//  2. new keys are created with Keys.Create; the server goes down
//     (-outage) and the events tracked meanwhile wait in the spool, signed
//     under the old secret;
//  3. the new keys are handed over during the outage (Credentials.Update:
//     one call for the client and the emitter);
//  4. the server comes back rate-limiting for a moment (429, Retry-After
//     2s), and the old keys are revoked in that pause, so that the backlog
//     reaches a server that refuses the old keys;
//  5. events flow on; the emitter is closed.
//
// It exits non-zero unless every tracked event was sent and accepted, none
// was dropped (a 401 under the old keys must end in a re-signed, accepted
// batch, never in a drop), and the backlog was there at the revocation.
//
//	go run ./examples/rotate
//
// It runs against an embedded pectatest server only, whatever the
// environment says: it revokes the keys it starts with, and takes the
// server down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rotate example:", err)
		os.Exit(1)
	}
	fmt.Println("\nEvery event was accepted across the rotation.")
}

func run() error {
	rate := flag.Int("rate", 2000, "events per second")
	outage := flag.Duration("outage", 1500*time.Millisecond, "how long the server is down")
	flag.Parse()
	if *rate < 100 || *outage <= 0 {
		return errors.New("-rate must be >= 100 and -outage > 0")
	}
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	fmt.Println("embedded pectatest server at", srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The keys as a program reads them from its secret store: one
	// Credentials for the client and the emitter built from it, one for
	// the key-management client.
	creds, err := pecta.NewCredentials(srv.PublishableKey, srv.SecretKey)
	if err != nil {
		return err
	}
	adminCreds, err := pecta.NewCredentials(srv.SecretKey, pecta.APIKey{})
	if err != nil {
		return err
	}
	client, err := pecta.NewClient("", pecta.WithCredentials(creds), pecta.WithBaseURL(srv.URL))
	if err != nil {
		return err
	}
	admin, err := pecta.NewClient("", pecta.WithCredentials(adminCreds), pecta.WithBaseURL(srv.URL))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "pecta-rotate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	em, err := telemetry.NewFromClient(client, telemetry.Config{
		SampleRate:        1,  // keep every event: the example checks each one
		RequestsPerMinute: -1, // unpaced: the embedded server has no rate limits
		FlushInterval:     100 * time.Millisecond,
		RetryWaitMax:      time.Second,
		Spool:             newMemSpool(dir),
	})
	if err != nil {
		return err
	}
	p := startProducer(em, *rate)
	defer p.stop()
	fmt.Printf("1. %v and %v; tracking %d events/s\n", client, em, *rate)
	time.Sleep(time.Second)
	fmt.Printf("   sent %d of %d\n", em.Stats().Sent, p.tracked.Load())

	pk, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "bidder " + time.Now().Format("2006-01"), Type: pecta.KeyTypePublishable})
	if err != nil {
		return err
	}
	sk, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "signing " + time.Now().Format("2006-01"), Type: pecta.KeyTypeSecret})
	if err != nil {
		return err
	}
	fmt.Printf("2. created %v and %v; the server goes down for %v\n", pk.Secret, sk.Secret, *outage)
	srv.Down()
	time.Sleep(*outage / 2)

	if err := creds.Update(pk.Secret, sk.Secret); err != nil {
		return err
	}
	if err := adminCreds.Update(sk.Secret, pecta.APIKey{}); err != nil {
		return err
	}
	fmt.Printf("3. handed over during the outage: %v\n", creds)
	time.Sleep(*outage / 2)

	srv.On("POST /v1/ingest").FailNext(1, http.StatusTooManyRequests, 2*time.Second)
	if err := srv.Up(); err != nil {
		return err
	}
	before := em.Stats()
	backlog, spooled := before.Pending, before.SpooledEvents
	revoked, err := revokeReplaced(ctx, admin, srv.PublishableKey, srv.SecretKey)
	if err != nil {
		return err
	}
	fmt.Printf("4. the server is back; revoked %v with %d events waiting, %d of them in the spool\n", revoked, backlog, spooled)
	if spooled == 0 {
		return errors.New("no backlog in the spool at the revocation: the outage was too short to show anything")
	}
	time.Sleep(1500 * time.Millisecond)
	p.stop()

	closeCtx, cancelClose := context.WithTimeout(ctx, 30*time.Second)
	defer cancelClose()
	closeErr := em.Close(closeCtx)
	st := em.Stats()
	fmt.Printf("5. closed: %v\n", st)
	return check(srv, st, p.tracked.Load(), closeErr)
}

// revokeReplaced revokes the keys with the previews of old, as listed.
func revokeReplaced(ctx context.Context, admin *pecta.Client, old ...pecta.APIKey) ([]string, error) {
	keys, err := admin.Keys.List(ctx)
	if err != nil {
		return nil, err
	}
	var revoked []string
	for _, k := range keys {
		for _, o := range old {
			if k.Preview == o.Preview() && k.RevokedAt == nil {
				if err := admin.Keys.Revoke(ctx, k.ID); err != nil {
					return nil, err
				}
				revoked = append(revoked, k.Preview)
			}
		}
	}
	if len(revoked) != len(old) {
		return nil, fmt.Errorf("revoked %d keys, want %d", len(revoked), len(old))
	}
	return revoked, nil
}

// check compares what the emitter counted with what the server accepted.
func check(srv *pectatest.Server, st telemetry.Stats, tracked uint64, closeErr error) error {
	var refused, resent int
	for _, r := range srv.Requests() {
		if r.Path == "/v1/ingest" && r.Status == http.StatusUnauthorized {
			refused++
		}
	}
	seen := make(map[string]int)
	for _, ev := range srv.Ingested() {
		seen[ev.Tool]++
	}
	for _, n := range seen {
		if n > 1 {
			resent += n - 1
		}
	}
	missing := 0
	for i := range tracked {
		if seen["ev-"+strconv.FormatUint(i, 10)] == 0 {
			missing++
		}
	}
	fmt.Printf("   tracked %d, sent %d, dropped %d; the server refused %d ingest requests under the old keys "+
		"and accepted %d distinct events (%d twice: a batch whose answer the outage cut off is sent again)\n",
		st.Tracked, st.Sent, st.Dropped, refused, len(seen), resent)
	switch {
	case closeErr != nil:
		return closeErr
	case st.Tracked != tracked || st.Sent != st.Tracked || st.Dropped != 0 || st.Unconfirmed != 0:
		return fmt.Errorf("events lost: %v (dropped by reason %v)", st, st.DroppedByReason)
	case missing > 0:
		return fmt.Errorf("%d tracked events never reached the server", missing)
	}
	return nil
}

// producer tracks events at a steady rate until stopped.
type producer struct {
	tracked atomic.Uint64
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

func startProducer(em *telemetry.Emitter, rate int) *producer {
	p := &producer{done: make(chan struct{})}
	const tick = 10 * time.Millisecond
	perTick := rate * int(tick) / int(time.Second)
	p.wg.Go(func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
			}
			for range perTick {
				i := p.tracked.Load()
				ev := pecta.Event{AgentID: "rotate-agent", Tool: "ev-" + strconv.FormatUint(i, 10), Passed: true,
					Gates: []pecta.GateResult{{Name: "budget", Passed: true, LatencyMS: 0.2}}}
				_ = em.Track(&ev) // a refused event is counted by the emitter as dropped
				p.tracked.Add(1)
			}
		}
	})
	return p
}

func (p *producer) stop() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
}
