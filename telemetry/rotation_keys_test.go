package telemetry

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pecta-ai/pecta-go/pecta"
)

// A batch refused (401) because the keys were replaced while it was in
// flight is signed again with the current secret and sent once more, the
// same bytes: it is delivered, not dropped.
func TestBatchRefusedUnderReplacedKeysIsResigned(t *testing.T) {
	sk2 := pecta.NewAPIKey("sk_live_ROTATEDcccccccccccccccccccccccc3")
	creds, err := pecta.NewCredentials(pecta.NewAPIKey(testPK), pecta.NewAPIKey(testSK))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var bodies [2]string
	send := func(_ context.Context, body []byte, sig string) (int, error) {
		n := calls.Add(1)
		if n <= 2 {
			bodies[n-1] = string(body)
		}
		if n == 1 { // the rotation happens while the first attempt is in flight
			if Verify(body, sig, testSK) != nil {
				t.Error("first attempt not signed with the first secret")
			}
			if err := creds.Update(pecta.NewAPIKey(testPK), sk2); err != nil {
				t.Error(err)
			}
			return 0, &pecta.APIError{StatusCode: 401, Code: pecta.CodeHMACInvalid}
		}
		if Verify(body, sig, sk2.Reveal()) != nil {
			return 0, &pecta.APIError{StatusCode: 401, Code: pecta.CodeHMACInvalid}
		}
		return strings.Count(string(body), `"agent_id"`), nil
	}
	set, err := (&Config{Credentials: creds, RequestsPerMinute: -1, SampleRate: 1}).settings()
	if err != nil {
		t.Fatal(err)
	}
	e := newEmitter(set, send)
	for i := range 10 {
		if err := e.Track(event("rotating", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st := e.Stats()
	if st.Sent != 10 || st.Dropped != 0 || calls.Load() != 2 || bodies[0] != bodies[1] {
		t.Fatalf("%d calls, same body %v: %v", calls.Load(), bodies[0] == bodies[1], st)
	}
}

// A refusal under the keys still in force is a refusal: the batch is
// dropped, reported once, not retried.
func TestBatchRefusedUnderCurrentKeysIsDropped(t *testing.T) {
	creds, err := pecta.NewCredentials(pecta.NewAPIKey(testPK), pecta.NewAPIKey(testSK))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	send := func(context.Context, []byte, string) (int, error) {
		calls.Add(1)
		return 0, &pecta.APIError{StatusCode: 401, Code: pecta.CodeAuthRevoked}
	}
	set, err := (&Config{Credentials: creds, RequestsPerMinute: -1, SampleRate: 1, BatchSize: 10}).settings()
	if err != nil {
		t.Fatal(err)
	}
	e := newEmitter(set, send)
	for i := range 10 {
		_ = e.Track(event("revoked", i))
	}
	err = e.Close(t.Context())
	if !errors.Is(err, ErrKeyRejected) || calls.Load() != 1 {
		t.Fatalf("Close: %v after %d calls", err, calls.Load())
	}
}

// Credentials and static keys exclude each other, and the credentials'
// API key must be publishable.
func TestCredentialsConfig(t *testing.T) {
	sk, _ := pecta.NewCredentials(pecta.NewAPIKey(testSK), pecta.APIKey{})
	pk, _ := pecta.NewCredentials(pecta.NewAPIKey(testPK), pecta.APIKey{})
	for _, cfg := range []Config{
		{Credentials: sk},
		{Credentials: pk, PublishableKey: pecta.NewAPIKey(testPK)},
	} {
		var ce *ConfigError
		if _, err := cfg.settings(); !errors.As(err, &ce) || ce.Field != "Credentials" {
			t.Errorf("%v: want a ConfigError on Credentials", err)
		}
	}
}
