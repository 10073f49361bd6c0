// Command verify runs a receiver of signed ingest requests behind
// verify.Middleware on a loopback port, sends it one correctly
// signed request, one tampered request and one unsigned request, and
// prints what happened to each. It exits non-zero unless only the signed
// request got through, with its body intact.
//
// The secret key is PECTA_SECRET_KEY, or a random one when it is unset.
//
//	go run ./examples/verify
package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/verify"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "verify example:", err)
		os.Exit(1)
	}
}

func run() error {
	secret := os.Getenv("PECTA_SECRET_KEY")
	if secret == "" {
		secret = randomSecretKey()
		fmt.Println("PECTA_SECRET_KEY not set: using a random secret key")
	}
	if !pecta.NewAPIKey(secret).IsSecret() {
		return errors.New("PECTA_SECRET_KEY is not an sk_live_ key")
	}

	// The receiver: what a relay or proxy in front of Pecta would run.
	var mu sync.Mutex
	var received [][]byte
	receiver := verify.Middleware(secret, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // the verified bytes, restored by the middleware
		mu.Lock()
		received = append(received, body)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"accepted":1}`)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: receiver, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/ingest"
	fmt.Printf("started a verifying receiver at %s (signing key %v)\n", url, pecta.NewAPIKey(secret))

	body := []byte(`{"events":[{"agent_id":"agent-1","passed":true,"total_latency_ms":12.5,"gates":[]}]}`)
	sig := telemetry.Sign(body, secret)
	tampered := bytes.Replace(body, []byte(`"passed":true`), []byte(`"passed":false`), 1)

	cases := []struct {
		name       string
		body       []byte
		sig        string
		wantStatus int
	}{
		{"signed", body, sig, http.StatusAccepted},
		{"tampered", tampered, sig, http.StatusUnauthorized},
		{"unsigned", body, "", http.StatusUnauthorized},
	}
	failed := false
	for _, c := range cases {
		status, answer, err := post(url, c.body, c.sig)
		if err != nil {
			return err
		}
		verdict := "as expected"
		if status != c.wantStatus {
			verdict = fmt.Sprintf("WRONG, want %d", c.wantStatus)
			failed = true
		}
		fmt.Printf("%-9s -> %d %s  (%s)\n", c.name, status, strings.TrimSpace(answer), verdict)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 1 || !bytes.Equal(received[0], body) {
		return fmt.Errorf("handler received %d bodies, want exactly the signed one", len(received))
	}
	if failed {
		return errors.New("unexpected outcome")
	}
	fmt.Println("ok: only the signed request reached the handler, byte for byte")
	fmt.Println("note: the signature proves integrity, not freshness; a replayed request would verify")
	return nil
}

func post(url string, body []byte, sig string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(telemetry.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b), nil
}

func randomSecretKey() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return "sk_live_" + string(b)
}
