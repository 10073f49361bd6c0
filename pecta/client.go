package pecta

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/pecta-ai/pecta-go/internal/keys"
	"github.com/pecta-ai/pecta-go/internal/retry"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.pecta.ai"

// Client calls the Pecta API. It is safe for concurrent use: create one and
// share it.
type Client struct {
	creds     *Credentials // the keys, read once per request attempt
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

// NewClient checks apiKey, a pk_live_ or sk_live_ key, locally and returns
// a client. With WithCredentials the client reads its keys from the
// credentials on every request instead, and apiKey, which may be "", is
// not used. Errors never contain a key.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	s := settings{baseURL: DefaultBaseURL, maxRetries: retry.DefaultMaxRetries}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	creds, err := clientCredentials(apiKey, &s)
	if err != nil {
		return nil, err
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
		creds:     creds,
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

// clientCredentials returns WithCredentials's credentials, or fixed ones
// made of apiKey and WithSecretKey's key.
func clientCredentials(apiKey string, s *settings) (*Credentials, error) {
	if s.creds == nil {
		if _, err := keys.Parse(apiKey); err != nil {
			return nil, &KeyError{Field: "api key", Reason: err.(*keys.Error).Reason}
		}
		return NewCredentials(NewAPIKey(apiKey), s.secretKey)
	}
	if _, _, gen := s.creds.Keys(); gen == 0 {
		return nil, errors.New("pecta: WithCredentials: the credentials hold no keys (use NewCredentials)")
	}
	return s.creds, nil
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

// String describes the client: its base URL and key previews.
func (c *Client) String() string {
	if c == nil || c.baseURL == nil {
		return "pecta.Client{}"
	}
	apiKey, secretKey, _ := c.creds.Keys()
	s := "pecta.Client{base: " + c.baseURL.String() + ", key: " + apiKey.Preview()
	if !secretKey.IsZero() {
		s += ", signing: " + secretKey.Preview()
	}
	return s + "}"
}
