package pecta

import (
	"context"
	"net/http"
	"strconv"
)

// Ingest sends 1..100 events, validated locally, in one POST /v1/ingest,
// signed under the secret key if there is one. Retries resend the same
// bytes, so a lost answer can deliver a batch twice. For telemetry from hot
// paths use package telemetry.
func (c *Client) Ingest(ctx context.Context, events []Event) (*IngestResult, error) {
	if len(events) == 0 {
		return nil, &ValidationError{Field: "events", Reason: "at least 1 event is required"}
	}
	if len(events) > MaxBatchEvents {
		return nil, &ValidationError{Field: "events", Reason: "at most 100 events per batch"}
	}
	body := make([]byte, 0, 64+160*len(events))
	body = append(body, `{"events":[`...)
	for i := range events {
		if err := events[i].Validate(); err != nil {
			ve := err.(*ValidationError)
			return nil, &ValidationError{Field: "events[" + strconv.Itoa(i) + "]." + ve.Field, Reason: ve.Reason}
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = events[i].AppendJSON(body)
	}
	body = append(body, "]}"...)
	var out IngestResult
	err := c.do(ctx, &call{op: "ingest", method: http.MethodPost, path: "/v1/ingest", body: body, sign: true, class: retrySafe}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
