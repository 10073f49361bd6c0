package verify

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pecta-ai/pecta-go/telemetry"
)

func TestMiddleware(t *testing.T) {
	var got []byte
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	h := Middleware(testSK, next, WithMaxBodyBytes(1024))
	body := `{"events":[{"agent_id":"a","passed":true,"total_latency_ms":1,"gates":[]}]}`
	tests := []struct {
		name   string
		body   string
		sig    string
		status int
		code   string
	}{
		{"valid", body, telemetry.Sign([]byte(body), testSK), http.StatusAccepted, ""},
		{"missing", body, "", http.StatusUnauthorized, "hmac_missing"},
		{"malformed", body, "sha256=nothex", http.StatusUnauthorized, "hmac_invalid"},
		{"tampered", strings.Replace(body, `"a"`, `"b"`, 1), telemetry.Sign([]byte(body), testSK), http.StatusUnauthorized, "hmac_invalid"},
		{"too large", strings.Repeat("x", 1025), telemetry.Sign([]byte(strings.Repeat("x", 1025)), testSK), http.StatusRequestEntityTooLarge, "validation_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			r := httptest.NewRequest(http.MethodPost, "/v1/ingest", strings.NewReader(tt.body))
			if tt.sig != "" {
				r.Header.Set(telemetry.SignatureHeader, tt.sig)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.code == "" {
				if string(got) != tt.body {
					t.Fatalf("next read %q, want the verified body", got)
				}
				return
			}
			if got != nil {
				t.Fatal("next called on a failure")
			}
			var e struct {
				Code   string `json:"code"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code != tt.code || e.Status != tt.status {
				t.Fatalf("body %s", w.Body.String())
			}
		})
	}
}

func TestVerifyMiddlewareEmptyKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Middleware("", http.NotFoundHandler())
}

const testSK = "sk_live_SECRETbbbbbbbbbbbbbbbbbbbbbbbbb2"
