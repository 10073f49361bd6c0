package pecta

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/internal/keys"
	"github.com/pecta-ai/pecta-go/internal/retry"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.pecta.ai"

// Client calls the Pecta API. It is safe for concurrent use; create one and
// share it. Services hang off it: Agents, Events and Keys.
type Client struct {
	// keys sit behind a pointer: even a reflection-based print of a Client
	// value (%p, a testify diff) shows an address, never the key text
	creds     *credentials
	keyKind   keys.Kind
	baseURL   *url.URL
	http      *http.Client // the caller's (or the default) client
	requester *http.Client // what requests go through: see wrapHTTPClient
	userAgent string
	logger    *slog.Logger
	retries   int
	policy    retry.Policy

	// Agents registers and lists agents.
	Agents *AgentsService
	// Events reads stored events.
	Events *EventsService
	// Keys manages API keys and reads usage logs (secret key only).
	Keys *KeysService
}

type credentials struct {
	apiKey    APIKey
	secretKey APIKey
}

// Option configures a Client.
type Option func(*settings) error

type settings struct {
	baseURL       string
	httpClient    *http.Client
	secretKey     string
	maxRetries    int
	logger        *slog.Logger
	userAgent     string
	insecure      bool
	retryAfterCap time.Duration
	minWait       time.Duration
	maxWait       time.Duration
}

// WithBaseURL points the client at another server (a proxy, a test server).
// http:// is accepted only for loopback hosts unless WithInsecureHTTP is set.
func WithBaseURL(u string) Option {
	return func(s *settings) error { s.baseURL = u; return nil }
}

// WithHTTPClient sets the *http.Client used for every request. Its
// Transport, Jar and Timeout are used (the Timeout bounds each attempt;
// contexts bound whole calls). Its CheckRedirect is not: the client never
// follows a redirect, so the key never travels where one points. The SDK
// never closes the client's idle connections.
func WithHTTPClient(h *http.Client) Option {
	return func(s *settings) error {
		if h == nil {
			return errors.New("pecta: WithHTTPClient: nil client")
		}
		s.httpClient = h
		return nil
	}
}

// WithSecretKey gives the client an sk_live_ secret key used only to sign
// Ingest bodies (X-Pecta-Signature). It never goes on the wire and enables
// nothing else: key management needs a client created with the secret key.
func WithSecretKey(sk string) Option {
	return func(s *settings) error {
		kind, err := keys.Parse(sk)
		if err != nil {
			return &KeyError{Field: "secret key", Reason: err.(*keys.Error).Reason}
		}
		if kind != keys.Secret {
			return &KeyError{Field: "secret key", Reason: "want an sk_live_ key"}
		}
		s.secretKey = sk
		return nil
	}
}

// WithMaxRetries sets how many times a retryable failure is retried
// (default 3; 0 disables retries).
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return errors.New("pecta: WithMaxRetries: negative count")
		}
		s.maxRetries = n
		return nil
	}
}

// WithRetryWait sets the first and the largest backoff step (defaults
// 250ms and 8s). Waits are jittered.
func WithRetryWait(min, max time.Duration) Option {
	return func(s *settings) error {
		if min <= 0 || max < min {
			return errors.New("pecta: WithRetryWait: want 0 < min <= max")
		}
		s.minWait, s.maxWait = min, max
		return nil
	}
}

// WithRetryAfterCap caps how long the client honours a server's
// Retry-After (default 30s).
func WithRetryAfterCap(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return errors.New("pecta: WithRetryAfterCap: want a positive duration")
		}
		s.retryAfterCap = d
		return nil
	}
}

// WithLogger sets a logger for retry decisions (debug level). Keys never appear in its output. Nil or absent: silent.
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

// NewClient checks apiKey locally and returns a client. apiKey is a
// pk_live_ key (evaluate, ingest, reads) or an sk_live_ key (all of those
// plus key management). Errors never contain the key.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	kind, err := keys.Parse(apiKey)
	if err != nil {
		return nil, &KeyError{Field: "api key", Reason: err.(*keys.Error).Reason}
	}
	s := settings{baseURL: DefaultBaseURL, maxRetries: retry.DefaultMaxRetries}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(s.baseURL, s.insecure)
	if err != nil {
		return nil, err
	}
	hc := s.httpClient
	if hc == nil {
		hc = defaultHTTPClient()
	}
	ua := "pecta-go/" + Version + " (" + runtime.Version() + ")"
	if s.userAgent != "" {
		ua = s.userAgent + " " + ua
	}
	c := &Client{
		creds:     &credentials{apiKey: APIKey(apiKey), secretKey: APIKey(s.secretKey)},
		keyKind:   kind,
		baseURL:   base,
		http:      hc,
		requester: wrapHTTPClient(hc),
		userAgent: ua,
		logger:    s.logger,
		retries:   s.maxRetries,
		policy:    retry.Policy{MinWait: s.minWait, MaxWait: s.maxWait, RetryAfterCap: s.retryAfterCap},
	}
	c.Agents = &AgentsService{c: c}
	c.Events = &EventsService{c: c}
	c.Keys = &KeysService{c: c}
	return c, nil
}

// defaultHTTPClient is tuned for a service that calls one host a lot.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 32
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

func parseBaseURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// The URL is not echoed: a malformed one may carry credentials.
		return nil, errors.New("pecta: invalid base URL: want scheme://host[/path]")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	if u.User != nil {
		return nil, errors.New("pecta: base URL must not carry credentials")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("pecta: refusing plaintext http:// to non-loopback host %q (use https, or WithInsecureHTTP)", u.Hostname())
		}
	default:
		return nil, fmt.Errorf("pecta: unsupported base URL scheme %q", u.Scheme)
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL returns the API root the client calls.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// String describes the client with its key redacted.
func (c Client) String() string {
	if c.baseURL == nil {
		return "pecta.Client{}"
	}
	s := "pecta.Client{base: " + c.baseURL.String() + ", key: " + c.creds.apiKey.Preview()
	if c.creds.secretKey != "" {
		s += ", signing: " + c.creds.secretKey.Preview()
	}
	return s + "}"
}

// GoString is String: the client never prints its keys.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, for values and pointers alike.
func (c Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue logs the base URL and key preview.
func (c Client) LogValue() slog.Value {
	if c.baseURL == nil {
		return slog.StringValue("pecta.Client{}")
	}
	return slog.GroupValue(slog.String("base_url", c.baseURL.String()), slog.String("key", c.creds.apiKey.Preview()))
}

// MarshalJSON encodes what String shows, never the keys.
func (c Client) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }
