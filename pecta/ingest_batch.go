package pecta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"

	"github.com/tidwall/gjson"

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
// If signature is not empty it is sent as X-Pecta-Signature; otherwise a
// client with a secret key signs body. Errors are those of Ingest: an
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
	if signature == "" {
		signature = c.sign(body)
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
		"Authorization": {"Bearer " + c.apiKey.Reveal()},
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
// tolerance of IngestResult.UnmarshalJSON (12, 12.0, 1.2e1, "12"; null or
// absent is 0), after checking that data is one valid JSON object.
//
// gjson scans without building a document (no allocation for numbers); the
// alternatives weighed were encoding/json (a reflective decoder, ~1 µs and
// several allocations per answer), buger/jsonparser (similar speed, less
// maintained) and a hand-written scanner (the RULES prefer a well-kept
// library for JSON scanning).
func parseAccepted(data []byte) (int, error) {
	if len(data) > maxResponseBody {
		return 0, fmt.Errorf("body exceeds %d bytes", maxResponseBody)
	}
	if !gjson.ValidBytes(data) {
		if len(trimSpace(data)) == 0 {
			return 0, errors.New("empty body")
		}
		return 0, errors.New("invalid JSON")
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsObject() {
		return 0, errors.New("not a JSON object")
	}
	r := doc.Get("accepted")
	var f float64
	switch r.Type {
	case gjson.Null:
		return 0, nil // absent or null: as the decoder, zero
	case gjson.Number:
		f = r.Num
	case gjson.String:
		v, err := strconv.ParseFloat(r.Str, 64)
		if err != nil {
			return 0, errors.New(`"accepted" is a non-number string`)
		}
		f = v
	default:
		return 0, errors.New(`"accepted" is not a number`)
	}
	if math.IsNaN(f) || f > math.MaxInt32*float64(1<<31) || f < -math.MaxInt32*float64(1<<31) {
		return 0, errors.New(`"accepted" is out of range`)
	}
	return int(math.Round(f)), nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
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
