package pecta

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/pecta-ai/pecta-go/internal/hmacsig"
	"github.com/pecta-ai/pecta-go/internal/retry"
)

// retryClass says which failures of a call may be retried.
type retryClass int

const (
	// retrySafe: GET, DELETE and POST /v1/ingest. Network errors, 429,
	// 500, 502, 503 and 504 are retried.
	retrySafe retryClass = iota
	// retryUnsent: non-idempotent POSTs. Only failures that prove the
	// request never left (dial errors) are retried.
	retryUnsent
)

// wrapHTTPClient returns the client requests go through: h's transport,
// jar and timeout, with two differences. Redirects are not followed: the
// Bearer key would go wherever they point (https to http, another host),
// and a POST would silently turn into a GET; a 3xx is returned as an
// *APIError. And CloseIdleConnections does nothing: go-retryablehttp calls
// it after every failed call, which would tear down the idle pool of a
// client the application shares.
func wrapHTTPClient(h *http.Client) *http.Client {
	return &http.Client{
		Transport: keepIdle{h},
		Jar:       h.Jar,
		// h.Timeout is applied by keepIdle: net/http enforces a client
		// Timeout with a goroutine and timer per request for a transport
		// it does not recognise.
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// keepIdle forwards requests to the caller's transport, read at each call,
// hides its CloseIdleConnections, and applies the caller's Timeout to each
// attempt (until its response body is closed), as http.Client does.
type keepIdle struct{ h *http.Client }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) {
	rt := k.h.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if k.h.Timeout <= 0 {
		return rt.RoundTrip(r)
	}
	if dl, ok := r.Context().Deadline(); ok && time.Until(dl) <= k.h.Timeout {
		// the caller's deadline is the tighter one: one timer per attempt
		return rt.RoundTrip(r)
	}
	ctx, cancel := context.WithTimeout(r.Context(), k.h.Timeout)
	resp, err := rt.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends an attempt's timeout when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// maxResponseBody bounds a successful response body.
const maxResponseBody = 8 << 20

type call struct {
	op     string
	method string
	path   string // escaped, starting with "/"
	query  url.Values
	body   []byte // immutable; resent as is on every attempt
	sign   bool   // sign body under the secret key, if the client has one
	noAuth bool
	class  retryClass
}

// attemptState is shared by the hooks of one call's retry loop.
type attemptState struct {
	c           *Client
	call        *call
	attempts    int
	wait        time.Duration
	lastAPI     *APIError // last retryable error response, kept when a wait is cut short
	gen         uint64    // generation of the keys the last attempt carried
	authRetried bool      // the one retry of a 401 under replaced keys was made
}

// do runs a call with the client's retry policy and decodes a 2xx body into
// out (when out is not nil).
func (c *Client) do(ctx context.Context, cl *call, out any) error {
	if ctx == nil {
		return fmt.Errorf("pecta: %s: nil context", cl.op)
	}
	u := c.baseURL.String() + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body any
	if cl.body != nil {
		body = cl.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return fmt.Errorf("pecta: %s: building request: %w", cl.op, err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	st := &attemptState{c: c, call: cl}
	st.setKeys(req.Request)
	rc := &retryablehttp.Client{
		HTTPClient: c.requester,
		// one more than c.retries: the retry of a 401 under replaced keys
		// (checkRetry keeps the others to c.retries)
		RetryMax:     c.retries + 1,
		RetryWaitMin: time.Millisecond, // unused: Backoff below decides
		RetryWaitMax: time.Millisecond,
		CheckRetry:   st.checkRetry,
		Backoff:      st.backoff,
		ErrorHandler: passThrough,
		PrepareRetry: st.prepareRetry,
	}
	resp, err := rc.Do(req)
	if err != nil {
		return st.wrapErr(ctx, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newAPIError(resp.StatusCode, resp.Header, readBounded(resp.Body, maxErrorBody))
		e.Op, e.Attempts = cl.op, st.attempts
		return e
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return &ResponseError{Op: cl.op, StatusCode: resp.StatusCode, Err: err}
	}
	if len(data) > maxResponseBody {
		return &ResponseError{Op: cl.op, StatusCode: resp.StatusCode, Err: fmt.Errorf("body exceeds %d bytes", maxResponseBody)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &ResponseError{Op: cl.op, StatusCode: resp.StatusCode, Err: errors.New("empty body")}
	}
	if err := decodeJSON(data, out); err != nil {
		return &ResponseError{Op: cl.op, StatusCode: resp.StatusCode, Err: err}
	}
	return nil
}

func passThrough(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil && resp != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, err
}

func readBounded(r io.Reader, n int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, n))
	return b
}

// setKeys puts the keys in force on req, read once for this attempt: the
// Bearer key and, for a signed call, the signature of the body under the
// secret key. It records their generation for checkRetry.
func (st *attemptState) setKeys(req *http.Request) {
	if st.call.noAuth {
		return
	}
	apiKey, secretKey, gen := st.c.creds.Keys()
	st.gen = gen
	req.Header.Set("Authorization", "Bearer "+apiKey.Reveal())
	if st.call.sign && !secretKey.IsZero() {
		req.Header.Set(hmacsig.Header, hmacsig.Sign(st.call.body, secretKey.Reveal()))
	}
}

// prepareRetry gives a retry the keys in force, when an Update replaced
// those of the previous attempt; otherwise the same headers (and the same
// signature) go out again.
func (st *attemptState) prepareRetry(req *http.Request) error {
	if _, _, gen := st.c.creds.Keys(); st.call.noAuth || gen == st.gen {
		return nil
	}
	// req is a shallow copy of the previous attempt's request: its header
	// map is not ours to change
	req.Header = req.Header.Clone()
	st.setKeys(req)
	return nil
}

// keysReplaced reports whether an Update replaced the keys of the last
// attempt.
func (st *attemptState) keysReplaced() bool {
	_, _, gen := st.c.creds.Keys()
	return !st.call.noAuth && gen != st.gen
}

// checkRetry decides whether to retry, and for how long to wait first. A
// wait that would pass the context's deadline is not started.
//
// A 401 answered to an attempt whose keys an Update has since replaced is
// retried once, at once, with the keys in force, whatever the call and the
// retry settings: a 401 proves the server refused the request before acting
// on it, so even a call that is never retried otherwise (Evaluate,
// Keys.Create) cannot take effect twice.
func (st *attemptState) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st.attempts++
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err == nil && resp.StatusCode == http.StatusUnauthorized && !st.authRetried && st.keysReplaced() {
		st.authRetried = true
		st.wait = 0
		st.c.debug("pecta: retrying with the keys in force: the attempt's keys were replaced", st.call.op, resp, nil, 0)
		return true, nil
	}
	var retryAfter time.Duration
	if err != nil {
		if !retryableNetErr(err) || (st.call.class == retryUnsent && !isDialError(err)) {
			return false, err
		}
	} else {
		if !retryableStatus(resp.StatusCode) || st.call.class == retryUnsent {
			return false, nil
		}
		// Keep the error so a cut-short wait can still report it; leave
		// the body readable for the final decode.
		body := readBounded(resp.Body, maxErrorBody)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		st.lastAPI = newAPIError(resp.StatusCode, resp.Header, body)
		st.lastAPI.Op, st.lastAPI.Attempts = st.call.op, st.attempts
		retryAfter = st.lastAPI.RetryAfter
	}
	n := st.attempts // attempts that count against c.retries
	if st.authRetried {
		n--
	}
	if n > st.c.retries {
		return false, err
	}
	st.wait = st.c.policy.Delay(n-1, retryAfter)
	if !retry.FitsDeadline(ctx, st.wait) {
		st.c.debug("pecta: not retrying: wait would pass the deadline", st.call.op, resp, err, st.wait)
		return false, err
	}
	st.c.debug("pecta: retrying", st.call.op, resp, err, st.wait)
	return true, nil
}

func (st *attemptState) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return st.wait
}

// wrapErr turns a transport failure into the call's error. A context ended
// during a retry wait is reported together with the last response.
func (st *attemptState) wrapErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && st.lastAPI != nil {
		return fmt.Errorf("pecta: %s: %w while waiting to retry: %w", st.call.op, ctx.Err(), st.lastAPI)
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("pecta: %s: %w", st.call.op, ctx.Err())
	}
	if st.attempts > 1 {
		return fmt.Errorf("pecta: %s: after %d attempts: %w", st.call.op, st.attempts, err)
	}
	return fmt.Errorf("pecta: %s: %w", st.call.op, err)
}

func (c *Client) debug(msg, op string, resp *http.Response, err error, wait time.Duration) {
	if c.logger == nil {
		return
	}
	attrs := []any{slog.String("op", op), slog.Duration("wait", wait)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.Debug(msg, attrs...)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isDialError reports a failure that proves the request never left: the
// connection was never made.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// retryableNetErr is false for failures a retry cannot mend.
func retryableNetErr(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	return true
}
