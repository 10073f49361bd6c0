package pecta

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/internal/keys"
	"github.com/pecta-ai/pecta-go/internal/retry"
)

// Option configures a Client.
type Option func(*settings) error

type settings struct {
	baseURL       string
	httpClient    *http.Client
	secretKey     APIKey
	creds         *Credentials
	maxRetries    int
	logger        *slog.Logger
	userAgent     string
	insecure      bool
	retryAfterCap time.Duration
	minWait       time.Duration
	maxWait       time.Duration
}

// WithBaseURL points the client at another server (a proxy, a test
// server): scheme://host[:port] and an optional path prefix, without /v1,
// query, fragment or userinfo; http:// only to loopback unless
// WithInsecureHTTP.
func WithBaseURL(u string) Option {
	return func(s *settings) error { s.baseURL = u; return nil }
}

// WithHTTPClient sets the *http.Client for every request: its Transport,
// Jar and Timeout (per attempt), never its CheckRedirect (the client
// follows no redirect, so the key goes nowhere one points).
func WithHTTPClient(h *http.Client) Option {
	return func(s *settings) error {
		if h == nil {
			return errors.New("pecta: WithHTTPClient: nil client")
		}
		s.httpClient = h
		return nil
	}
}

// WithSecretKey gives the client an sk_live_ key used only to sign Ingest
// bodies (X-Pecta-Signature: HMAC-SHA256 of the exact body; integrity, not
// freshness). The key never travels and enables nothing else.
func WithSecretKey(sk string) Option {
	return func(s *settings) error {
		kind, err := keys.Parse(sk)
		if err != nil {
			return &KeyError{Field: "secret key", Reason: err.(*keys.Error).Reason}
		}
		if kind != keys.Secret {
			return &KeyError{Field: "secret key", Reason: "want an sk_live_ key"}
		}
		s.secretKey = NewAPIKey(sk)
		return nil
	}
}

// WithCredentials makes the client read its keys from c on every request
// attempt (the Bearer key and the signing secret), instead of NewClient's
// apiKey (which may then be "") and WithSecretKey's key.
func WithCredentials(c *Credentials) Option {
	return func(s *settings) error {
		if c == nil {
			return errors.New("pecta: WithCredentials: nil credentials")
		}
		s.creds = c
		return nil
	}
}

// NoRetries, passed to WithMaxRetries, turns retries off: every call makes
// exactly one attempt.
const NoRetries = -1

// WithMaxRetries sets how many times a retryable failure is retried: 0 means
// the default (3), a negative value (NoRetries) disables retries.
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		switch {
		case n == 0:
			s.maxRetries = retry.DefaultMaxRetries
		case n < 0:
			s.maxRetries = 0
		default:
			s.maxRetries = n
		}
		return nil
	}
}

// WithRetryWait sets the first and the largest jittered backoff step
// (defaults 250ms and 8s; zero keeps one). Negative or max < min: an error.
func WithRetryWait(min, max time.Duration) Option {
	return func(s *settings) error {
		if min < 0 || max < 0 {
			return errors.New("pecta: WithRetryWait: negative duration")
		}
		effMax := cmp.Or(max, retry.DefaultMaxWait)
		effMin := cmp.Or(min, retry.DefaultMinWait)
		if min == 0 && effMin > effMax {
			effMin = effMax // a default min never exceeds the max given
		}
		if effMax < effMin {
			return fmt.Errorf("pecta: WithRetryWait: max %v is below min %v", effMax, effMin)
		}
		s.minWait, s.maxWait = effMin, effMax
		return nil
	}
}

// WithRetryAfterCap caps how long the client honours a server's
// Retry-After (default 30s; zero keeps the default). A negative duration is
// an error.
func WithRetryAfterCap(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return errors.New("pecta: WithRetryAfterCap: negative duration")
		}
		s.retryAfterCap = cmp.Or(d, retry.DefaultRetryAfterCap)
		return nil
	}
}

// WithLogger sets a logger for retry decisions (debug level). Keys never
// appear in its output. Nil or absent: silent.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { s.logger = l; return nil }
}

// WithUserAgent adds a product token in front of the SDK's own User-Agent.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("pecta: WithUserAgent: line break in user agent")
		}
		s.userAgent = ua
		return nil
	}
}

// WithInsecureHTTP allows an http:// base URL on a non-loopback host. Keys
// then travel in clear text: use it only on trusted networks.
func WithInsecureHTTP() Option {
	return func(s *settings) error { s.insecure = true; return nil }
}
