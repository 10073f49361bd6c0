package pecta

import (
	"cmp"
	"errors"
	"fmt"
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
	apiKey    APIKey // pk_live_ or sk_live_: the Bearer key
	secretKey APIKey // WithSecretKey's, or zero: signs ingest bodies
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

// Option configures a Client.
type Option func(*settings) error

type settings struct {
	baseURL       string
	httpClient    *http.Client
	secretKey     APIKey
	maxRetries    int
	logger        *slog.Logger
	userAgent     string
	insecure      bool
	retryAfterCap time.Duration
	minWait       time.Duration
	maxWait       time.Duration
}

// WithBaseURL points the client at another server (a proxy, a test server).
// The URL is scheme://host[:port], optionally followed by the path prefix a
// proxy mounts the API under ("https://gw.example.com/pecta"); the client
// appends /v1/... to it. NewClient refuses, naming the URL to use instead:
// a path segment that is an API version ("https://api.pecta.ai/v1"), a
// query, a fragment, and userinfo. http:// is accepted only for loopback
// hosts unless WithInsecureHTTP is set. Errors never show userinfo, query
// or fragment, and show a key-shaped text only as its preview.
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
		s.secretKey = NewAPIKey(sk)
		return nil
	}
}

// NoRetries, passed to WithMaxRetries, turns retries off: every call makes
// exactly one attempt. Like every count and duration of the SDK's options
// and config fields, WithMaxRetries reads zero as "the default" and a
// negative value as "none".
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

// WithRetryWait sets the first and the largest backoff step (defaults
// 250ms and 8s; zero keeps a default). Waits are jittered. A negative
// duration, or a max below the min, is an error.
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
	if _, err := keys.Parse(apiKey); err != nil {
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
		apiKey:    NewAPIKey(apiKey),
		secretKey: s.secretKey,
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
		return nil, errors.New("pecta: invalid base URL: want scheme://host[:port][/prefix], e.g. " + DefaultBaseURL)
	}
	if u.User != nil {
		return nil, errors.New("pecta: base URL must not carry userinfo (user@ or user:secret@): keys go to NewClient and WithSecretKey")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("pecta: refusing plaintext http:// to non-loopback host %q: use https, or allow plaintext explicitly (pecta.WithInsecureHTTP, or InsecureHTTP in telemetry.Config)", u.Hostname())
		}
	default:
		return nil, fmt.Errorf("pecta: unsupported base URL scheme %q: want https (or http on loopback)", u.Scheme)
	}
	// fix is what a correct base URL would be: scheme, host and the path up
	// to any API version segment, without query or fragment. Errors show
	// URLs only through shownURL, which drops whatever may be secret.
	path := strings.TrimRight(u.Path, "/")
	fix := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path, RawPath: strings.TrimRight(u.RawPath, "/")}
	if i := versionSegment(path); i >= 0 {
		fix.Path, fix.RawPath = strings.TrimRight(path[:i], "/"), ""
		return nil, fmt.Errorf("pecta: base URL %q must not include the API version %q (the client adds /v1 to every route): use %q",
			shownURL(u), sanitize(path[i:]), shownURL(fix))
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, fmt.Errorf("pecta: base URL must not have a query: use %q", shownURL(fix))
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("pecta: base URL must not have a fragment: use %q", shownURL(fix))
	}
	return fix, nil
}

// versionSegment returns the index in path of its first segment that looks
// like an API version ("v1", "V2"), or -1.
func versionSegment(path string) int {
	for i := 0; i < len(path); {
		if path[i] != '/' {
			i++
			continue
		}
		j := i + 1
		for j < len(path) && path[j] != '/' {
			j++
		}
		seg := path[i+1 : j]
		if len(seg) >= 2 && (seg[0] == 'v' || seg[0] == 'V') && strings.Trim(seg[1:], "0123456789") == "" {
			return i
		}
		i = j
	}
	return -1
}

// shownURL is u as an error may show it: scheme, host and path only (no
// userinfo, query or fragment, which may hold credentials), with anything
// shaped like a key replaced by its preview.
func shownURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return sanitize(v.String())
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

// String describes the client: its base URL and key previews.
func (c *Client) String() string {
	if c == nil || c.baseURL == nil {
		return "pecta.Client{}"
	}
	s := "pecta.Client{base: " + c.baseURL.String() + ", key: " + c.apiKey.Preview()
	if !c.secretKey.IsZero() {
		s += ", signing: " + c.secretKey.Preview()
	}
	return s + "}"
}

// LogValue logs the base URL and key preview.
func (c *Client) LogValue() slog.Value {
	if c == nil || c.baseURL == nil {
		return slog.StringValue("pecta.Client{}")
	}
	return slog.GroupValue(slog.String("base_url", c.baseURL.String()), slog.String("key", c.apiKey.Preview()))
}
