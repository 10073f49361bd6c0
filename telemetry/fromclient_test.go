package telemetry_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

func TestNewFromClient(t *testing.T) {
	srv := newServer(t)
	c, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL), pecta.WithSecretKey(srv.SecretKey.Reveal()))
	if err != nil {
		t.Fatal(err)
	}
	e, err := telemetry.NewFromClient(c, telemetry.Config{RequestsPerMinute: -1, FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e, 2, 100)
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, srv, 2, 100, 0)
	for _, r := range ingestRequests(srv) {
		if !r.Signed || !r.SignatureValid || r.Header.Get("Authorization") != "Bearer "+srv.PublishableKey.Reveal() {
			t.Fatalf("request not signed with the client's secret key or not authorised with its key: %+v", r.Header)
		}
		assertNoSecret(t, r)
	}
	// every field of the closed emitter, its keys included (%+v of *e, without copying its locks)
	assertNoKey(t, "emitter", e.String()+fmt.Sprintf("%+v", reflect.ValueOf(e).Elem()))

	// the pectatest helper: an emitter for a test server in one line
	e3, err := telemetry.NewFromClient(srv.Client(), telemetry.Config{RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e3, 1, 3)
	if err := closeNow(t, e3, 5*time.Second); err != nil || e3.Stats().Sent != 3 {
		t.Fatalf("emitter from srv.Client(): %v, %v", err, e3.Stats())
	}

	// refused configurations
	sc, err := pecta.NewClient(srv.SecretKey.Reveal(), pecta.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		c     *pecta.Client
		cfg   telemetry.Config
		field string
	}{
		"nil client":        {nil, telemetry.Config{}, "client"},
		"secret-key client": {sc, telemetry.Config{}, "client"},
		"key set":           {c, telemetry.Config{PublishableKey: pecta.NewAPIKey(testPK)}, "PublishableKey"},
		"secret set":        {c, telemetry.Config{SecretKey: pecta.NewAPIKey(testSK)}, "SecretKey"},
		"base URL set":      {c, telemetry.Config{BaseURL: srv.URL}, "BaseURL"},
		"HTTP client set":   {c, telemetry.Config{HTTPClient: http.DefaultClient}, "HTTPClient"},
		"invalid setting":   {c, telemetry.Config{BatchSize: 1000}, "BatchSize"},
	} {
		e, err := telemetry.NewFromClient(tt.c, tt.cfg)
		var ce *telemetry.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			if e != nil {
				e.Close(t.Context())
			}
			t.Fatalf("%s: NewFromClient = %v, want a ConfigError on %s", name, err, tt.field)
		}
		assertNoKey(t, name, err.Error())
	}
}

// countingTransport counts CloseIdleConnections calls.
type countingTransport struct {
	http.RoundTripper
	closes atomic.Int32
}

func (c *countingTransport) CloseIdleConnections() { c.closes.Add(1) }

// A caller's HTTP client is never closed, in New or NewFromClient.
func TestCallersHTTPClientNotClosed(t *testing.T) {
	srv := newServer(t)
	tr := &countingTransport{RoundTripper: http.DefaultTransport.(*http.Transport).Clone()}
	defer tr.RoundTripper.(*http.Transport).CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	cfg := testConfig(srv)
	cfg.HTTPClient = hc
	e := mustNew(t, cfg)
	trackAll(t, e, 1, 5)
	if err := closeNow(t, e, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL), pecta.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	e2, err := telemetry.NewFromClient(c, telemetry.Config{RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	trackAll(t, e2, 1, 5)
	if err := closeNow(t, e2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := tr.closes.Load(); n != 0 {
		t.Fatalf("the caller's transport had its idle connections closed %d times", n)
	}
	if len(srv.Ingested()) != 10 {
		t.Fatalf("ingested %d", len(srv.Ingested()))
	}
}
