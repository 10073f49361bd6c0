package pecta_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/pecta-ai/pecta-go/internal/clientlink"
	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

func TestIngestBatchReleasesBodyOnceAndCountsAccepted(t *testing.T) {
	srv := pectatest.NewServer()
	defer srv.Close()
	c, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL(srv.URL), pecta.WithSecretKey(srv.SecretKey.Reveal()))
	if err != nil {
		t.Fatal(err)
	}
	ev := pecta.Event{AgentID: "a", Passed: true, Gates: []pecta.GateResult{{Name: "g", Passed: true}}}
	body := append([]byte(`{"events":[`), ev.AppendJSON(nil)...)
	body = append(body, ',')
	body = ev.AppendJSON(body)
	body = append(body, "]}"...)
	var released atomic.Int32
	n, err := ingestBatch(t, c)(context.Background(), body, "", func() { released.Add(1) })
	if err != nil || n != 2 {
		t.Fatalf("IngestBatch = %d, %v; want 2, nil", n, err)
	}
	if r := released.Load(); r != 1 {
		t.Fatalf("release called %d times, want 1", r)
	}

	// a wrong signature: the answer is an *APIError, and the body is
	// still released exactly once
	released.Store(0)
	_, err = ingestBatch(t, c)(context.Background(), body, "sha256=00", func() { released.Add(1) })
	var apiErr *pecta.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode/100 != 4 || apiErr.Attempts != 1 {
		t.Fatalf("bad signature: %v", err)
	}
	if r := released.Load(); r != 1 {
		t.Fatalf("release called %d times, want 1", r)
	}

	// a refused connection: a transport error, released once
	dead, err := pecta.NewClient(srv.PublishableKey.Reveal(), pecta.WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	released.Store(0)
	if _, err := ingestBatch(t, dead)(context.Background(), body, "", func() { released.Add(1) }); err == nil {
		t.Fatal("no error from a refused connection")
	}
	if r := released.Load(); r != 1 {
		t.Fatalf("release called %d times, want 1", r)
	}
}

func TestIngestBatchAnswers(t *testing.T) {
	for _, tc := range []struct {
		answer string
		want   int
		bad    bool
	}{
		{`{"accepted":12,"reputation_updates":[]}`, 12, false},
		{`{"accepted":12.0}`, 12, false},
		{`{"accepted":1.2e1}`, 12, false},
		{`{"accepted":"12"}`, 12, false},
		{` {"reputation_updates":[{"accepted":5}],"accepted":3} `, 3, false},
		{`{"accepted":null}`, 0, false},
		{`{}`, 0, false},
		{``, 0, true},
		{`   `, 0, true},
		{`garbage`, 0, true},
		{`{"accepted":12`, 0, true},
		{`[12]`, 0, true},
		{`{"accepted":"x"}`, 0, true},
		{`{"accepted":true}`, 0, true},
		{`{"accepted":1e300}`, 0, true},
	} {
		srv := newAnswering(t, tc.answer)
		c, err := pecta.NewClient("pk_live_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", pecta.WithBaseURL(srv))
		if err != nil {
			t.Fatal(err)
		}
		n, err := ingestBatch(t, c)(context.Background(), []byte(`{"events":[]}`), "", nil)
		var respErr *pecta.ResponseError
		if tc.bad {
			if !errors.As(err, &respErr) {
				t.Errorf("answer %q: err = %v, want *ResponseError", tc.answer, err)
			}
			continue
		}
		if err != nil || n != tc.want {
			t.Errorf("answer %q: %d, %v; want %d", tc.answer, n, err, tc.want)
		}
		// the same count as Client.Ingest reads
		res, err := c.Ingest(context.Background(), []pecta.Event{{AgentID: "a"}})
		if err != nil || res.Accepted != n {
			t.Errorf("answer %q: Ingest says %v (%v), the emitter's transport %d", tc.answer, res, err, n)
		}
	}
}

// ingestBatch is the emitter's transport of c, as telemetry reaches it.
func ingestBatch(t *testing.T, c *pecta.Client) func(context.Context, []byte, string, func()) (int, error) {
	t.Helper()
	link, ok := clientlink.Inspect(c)
	if !ok || link.IngestBatch == nil {
		t.Fatal("clientlink.Inspect: no IngestBatch")
	}
	return link.IngestBatch
}

func newAnswering(t *testing.T, answer string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(answer))
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}
