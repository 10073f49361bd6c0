package pecta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/pecta-ai/pecta-go/internal/hmacsig"
)

// ingestBatch posts body, an already encoded {"events":[...]} document,
// to POST /v1/ingest in exactly one attempt. It is the telemetry emitter's
// transport, reached through internal/clientlink (Client.IngestBatch): the
// emitter retries on its own terms and reuses its body buffers.
//   - it never retries (whatever WithMaxRetries says) and runs no retry
//     machinery;
//   - release, when not nil, is called exactly once, as soon as net/http no
//     longer reads body, which may be after ingestBatch returns (a server
//     that answers before reading the whole request): only then may the
//     caller reuse body's memory;
//   - only the answer's "accepted" count is decoded (parseAccepted).
//
// The keys are read from the client's credentials once per call. If
// signature is not empty it is sent as X-Pecta-Signature; otherwise a
// client with a secret key signs body. A 401 is returned, never retried
// here: the emitter compares the generation of the credentials before the
// call and after the answer, and sends again itself. Errors are those of Ingest: an
// *APIError for a non-2xx answer, a *ResponseError for a 2xx answer that is
// not a JSON object with a usable "accepted", and transport errors wrapped
// with "pecta: ingest: ".
func (c *Client) ingestBatch(ctx context.Context, body []byte, signature string, release func()) (accepted int, err error) {
	if ctx == nil {
		if release != nil {
			release()
		}
		return 0, errors.New("pecta: ingest: nil context")
	}
	if len(body) == 0 {
		if release != nil {
			release()
		}
		return 0, &ValidationError{Field: "body", Reason: "is empty"}
	}
	apiKey, secretKey, _ := c.creds.Keys() // once: Bearer and signature agree
	if signature == "" && !secretKey.IsZero() {
		signature = hmacsig.Sign(body, secretKey.Reveal())
	}
	rb := &releasingBody{data: body, release: release}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.ingestURL(), rb)
	if err != nil {
		rb.Close()
		return 0, fmt.Errorf("pecta: ingest: building request: %w", err)
	}
	req.ContentLength = int64(len(body)) // else net/http would chunk it
	req.Header = http.Header{
		"User-Agent":    {c.userAgent},
		"Accept":        {"application/json"},
		"Content-Type":  {"application/json"},
		"Authorization": {"Bearer " + apiKey.Reveal()},
	}
	if signature != "" {
		req.Header[hmacsig.Header] = []string{signature}
	}
	resp, err := c.requester.Do(req) // closes rb, even on errors
	if err != nil {
		st := attemptState{c: c, call: &call{op: "ingest"}, attempts: 1}
		return 0, st.wrapErr(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newAPIError(resp.StatusCode, resp.Header, readBounded(resp.Body, maxErrorBody))
		e.Op, e.Attempts = "ingest", 1
		return 0, e
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return 0, &ResponseError{Op: "ingest", StatusCode: resp.StatusCode, Err: err}
	}
	n, err := parseAccepted(data)
	if err != nil {
		return 0, &ResponseError{Op: "ingest", StatusCode: resp.StatusCode, Err: err}
	}
	return n, nil
}

// ingestURL is the ingest endpoint.
func (c *Client) ingestURL() string { return c.baseURL.String() + "/v1/ingest" }

// parseAccepted reads the "accepted" count of an ingest answer with the
// tolerance of IngestResult (12, 12.0, 1.2e1, "12"; null or absent is 0).
// The answer must be one JSON object. encoding/json decodes only that field
// (a few microseconds at most 500 requests a minute); the scanning library
// this replaced saved nothing a user could observe and was a dependency of
// every program importing pecta.
func parseAccepted(data []byte) (int, error) {
	if len(data) > maxResponseBody {
		return 0, fmt.Errorf("body exceeds %d bytes", maxResponseBody)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return 0, errors.New("empty body")
	case !json.Valid(trimmed):
		return 0, errors.New("invalid JSON")
	case trimmed[0] != '{':
		return 0, errors.New("not a JSON object")
	}
	var v struct {
		Accepted int `json:"accepted"`
	}
	if err := decodeJSON(trimmed, &v); err != nil {
		return 0, err
	}
	return v.Accepted, nil
}

// releasingBody is a request body that tells its owner when net/http is
// done with it. The Transport closes a request body once it has read it or
// gave up, possibly from another goroutine than the one reading it and
// after RoundTrip returned: Read and Close exclude each other, and a Read
// after Close fails, so that release runs when no Read can touch data.
type releasingBody struct {
	mu      sync.Mutex
	data    []byte
	off     int
	closed  bool
	release func()
}

var errBodyClosed = errors.New("pecta: request body read after close")

func (b *releasingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyClosed
	}
	if b.off >= len(b.data) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

// WriteTo writes what is left of the body to w in one call: net/http's
// io.Copy then needs no 32 KiB copy buffer per request.
func (b *releasingBody) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyClosed
	}
	n, err := w.Write(b.data[b.off:])
	b.off += n
	return int64(n), err
}

func (b *releasingBody) Close() error {
	b.mu.Lock()
	first := !b.closed
	b.closed = true
	b.data = nil
	b.mu.Unlock()
	if first && b.release != nil {
		b.release()
	}
	return nil
}
