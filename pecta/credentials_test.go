package pecta

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

const (
	testPK2 = "pk_live_Nn2Mm3Ll4Kk5Jj6Hh7Gg8Ff9Ee0Dd1Cc"
	testSK2 = "sk_live_Bb1Cc2Dd3Ee4Ff5Gg6Hh7Jj8Kk9Ll0Mm"
)

func mustCreds(t *testing.T, apiKey, secretKey string) *Credentials {
	t.Helper()
	c, err := NewCredentials(NewAPIKey(apiKey), NewAPIKey(secretKey))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewCredentialsChecksKeys(t *testing.T) {
	for _, tt := range []struct {
		name, apiKey, secretKey, field string
	}{
		{"no api key", "", "", "api key"},
		{"malformed api key", testPK + "x", "", "api key"},
		{"test-mode api key", "pk_test_" + testPK[8:], "", "api key"},
		{"malformed secret", testPK, testSK[:20], "secret key"},
		{"publishable secret", testPK, testPK2, "secret key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCredentials(NewAPIKey(tt.apiKey), NewAPIKey(tt.secretKey))
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Field != tt.field || c != nil {
				t.Fatalf("NewCredentials = %v, %v; want a *KeyError on the %s", c, err, tt.field)
			}
			for _, k := range []string{tt.apiKey, tt.secretKey} {
				if len(k) > 12 && strings.Contains(err.Error(), k[8:]) {
					t.Errorf("error echoes a key: %v", err)
				}
			}
		})
	}
	for _, ok := range [][2]string{{testPK, ""}, {testPK, testSK}, {testSK, ""}, {testSK, testSK2}} {
		c := mustCreds(t, ok[0], ok[1])
		ak, sk, gen := c.Keys()
		if ak != NewAPIKey(ok[0]) || sk != NewAPIKey(ok[1]) || gen != 1 {
			t.Errorf("Keys() = %v, %v, %d", ak, sk, gen)
		}
	}
}

func TestCredentialsUpdate(t *testing.T) {
	c := mustCreds(t, testPK, testSK)
	if err := c.Update(NewAPIKey(testPK2), NewAPIKey(testSK2)); err != nil {
		t.Fatal(err)
	}
	ak, sk, gen := c.Keys()
	if ak != NewAPIKey(testPK2) || sk != NewAPIKey(testSK2) || gen != 2 {
		t.Fatalf("after Update: %v, %v, %d", ak, sk, gen)
	}

	// refused updates keep the keys in force and their generation
	for _, tt := range []struct {
		name, apiKey, secretKey, field string
	}{
		{"malformed api key", testPK[:30], testSK, "api key"},
		{"malformed secret", testPK, "sk_live_short", "secret key"},
		{"publishable as secret", testPK, testPK2, "secret key"},
		{"kind change", testSK, testSK2, "api key"},
		{"secret dropped", testPK, "", "secret key"},
	} {
		err := c.Update(NewAPIKey(tt.apiKey), NewAPIKey(tt.secretKey))
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Field != tt.field {
			t.Errorf("%s: Update = %v; want a *KeyError on the %s", tt.name, err, tt.field)
		}
		if a, s, g := c.Keys(); a != ak || s != sk || g != gen {
			t.Errorf("%s: keys changed to %v, %v, %d", tt.name, a, s, g)
		}
	}
	noSecret := mustCreds(t, testPK, "")
	var ke *KeyError
	if err := noSecret.Update(NewAPIKey(testPK2), NewAPIKey(testSK)); !errors.As(err, &ke) || ke.Field != "secret key" {
		t.Errorf("secret added: %v", err)
	}
	secretClient := mustCreds(t, testSK, "")
	if err := secretClient.Update(NewAPIKey(testPK), APIKey{}); !errors.As(err, &ke) || ke.Field != "api key" {
		t.Errorf("secret to publishable: %v", err)
	}

	// the keys in force again: nothing changes, not even the generation
	if err := c.Update(NewAPIKey(testPK2), NewAPIKey(testSK2)); err != nil {
		t.Fatal(err)
	}
	if _, _, g := c.Keys(); g != gen {
		t.Errorf("generation %d after a no-op Update, want %d", g, gen)
	}
	// back to the first keys: a new generation
	if err := c.Update(NewAPIKey(testPK), NewAPIKey(testSK)); err != nil {
		t.Fatal(err)
	}
	if a, _, g := c.Keys(); a != NewAPIKey(testPK) || g != gen+1 {
		t.Errorf("after a second Update: %v, %d", a, g)
	}
}

func TestZeroCredentials(t *testing.T) {
	var c Credentials
	if a, s, g := c.Keys(); !a.IsZero() || !s.IsZero() || g != 0 {
		t.Errorf("zero Credentials: %v, %v, %d", a, s, g)
	}
	var nilCreds *Credentials
	if _, _, g := nilCreds.Keys(); g != 0 || nilCreds.String() == "" {
		t.Error("nil Credentials")
	}
	if _, err := NewClient("", WithCredentials(&c)); err == nil {
		t.Error("a client was built on empty credentials")
	}
	if _, err := NewClient(testPK, WithCredentials(nil)); err == nil {
		t.Error("a client was built with nil credentials")
	}
	if err := c.Update(NewAPIKey(testPK), APIKey{}); err != nil {
		t.Fatal(err)
	}
	if a, _, g := c.Keys(); a != NewAPIKey(testPK) || g != 1 {
		t.Errorf("zero Credentials after Update: %v, %d", a, g)
	}
}

// A reader never sees the API key of one Update with the secret key of
// another (run with -race).
func TestCredentialsConcurrentUpdate(t *testing.T) {
	c := mustCreds(t, testPK, testSK)
	pairs := [2][2]APIKey{{NewAPIKey(testPK), NewAPIKey(testSK)}, {NewAPIKey(testPK2), NewAPIKey(testSK2)}}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := pairs[(i+w)%2]
				if err := c.Update(p[0], p[1]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var last uint64
	for range 20000 {
		a, s, g := c.Keys()
		if (a == pairs[0][0]) != (s == pairs[0][1]) {
			t.Fatalf("mixed keys %v, %v", a, s)
		}
		if g < last {
			t.Fatalf("generation went back from %d to %d", last, g)
		}
		last = g
	}
	close(stop)
	wg.Wait()
}

func TestCredentialsNeverPrint(t *testing.T) {
	c := mustCreds(t, testPK, testSK)
	if err := c.Update(NewAPIKey(testPK2), NewAPIKey(testSK2)); err != nil {
		t.Fatal(err)
	}
	secrets := secretTexts(testPK, testSK, testPK2, testSK2)
	type config struct {
		Name  string
		Creds *Credentials
		inner *Credentials
	}
	values := map[string]any{
		"*Credentials":    c,
		"exported field":  config{Name: "x", Creds: c, inner: c},
		"*config":         &config{Creds: c, inner: c},
		"slice":           []*Credentials{c, c},
		"zero":            &Credentials{},
		"client":          newClientOn(t, c),
		"nested value":    struct{ C Credentials }{},
		"map of pointers": map[string]*Credentials{"c": c},
	}
	for name, v := range values {
		for how, s := range printed(t, v) {
			assertNoSecret(t, name+" "+how, s, secrets)
		}
	}
	var r recorder
	assert.Equal(&r, config{Name: "a", Creds: c, inner: c}, config{Name: "b", Creds: mustCreds(t, testPK, testSK), inner: c})
	if !strings.Contains(r.String(), "Diff") {
		t.Fatalf("testify reported no diff: %s", r.String())
	}
	assertNoSecret(t, "testify diff", r.String(), secrets)

	want := "pecta.Credentials{key: pk_live_..." + testPK2[len(testPK2)-4:] +
		", signing: sk_live_..." + testSK2[len(testSK2)-4:] + ", generation: 2}"
	for _, got := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%x", c)} {
		if got != want {
			t.Errorf("printed %q, want %q", got, want)
		}
	}
	if got := string(must(c.MarshalJSON())); !strings.Contains(got, `"generation":2`) || !strings.Contains(got, NewAPIKey(testSK2).Preview()) {
		t.Errorf("JSON %s", got)
	}
}

func newClientOn(t *testing.T, c *Credentials) *Client {
	t.Helper()
	cl, err := NewClient("", WithCredentials(c), WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
