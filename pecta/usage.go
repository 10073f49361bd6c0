package pecta

import (
	"context"
	"iter"
	"net/http"
	"time"
)

// UsageLogParams filters GET /v1/usage/logs. Zero fields are not sent.
type UsageLogParams struct {
	Limit    int       // 1..100; 0: server default (20). AllUsageLogs uses 100.
	Offset   int       // 0..100000
	APIKeyID string    // only requests made with this key id
	From     time.Time // inclusive lower bound on the timestamp
	To       time.Time // inclusive upper bound on the timestamp
}

// UsageLog is one audited request.
type UsageLog struct {
	ID             string    `json:"id"`
	Timestamp      time.Time `json:"timestamp"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	StatusCode     int       `json:"status_code"`
	ResponseTimeMS float64   `json:"response_time_ms"`
	APIKeyID       string    `json:"api_key_id"`
}

// UsageLogs returns one page of audited requests, newest first.
func (s *KeysService) UsageLogs(ctx context.Context, p UsageLogParams) ([]UsageLog, error) {
	const op = "keys.usage_logs"
	if err := s.needSecret(op); err != nil {
		return nil, err
	}
	q, err := pageValues(p.Limit, p.Offset, p.From, p.To)
	if err != nil {
		return nil, err
	}
	if p.APIKeyID != "" {
		q.Set("api_key_id", p.APIKeyID)
	}
	var out struct {
		Logs []UsageLog `json:"logs"`
	}
	if err := s.c.do(ctx, &call{op: op, method: http.MethodGet, path: "/v1/usage/logs", query: q}, &out); err != nil {
		return nil, err
	}
	return out.Logs, nil
}

// AllUsageLogs walks every audited request matching p, newest first, as
// Events.All walks events, for audits. Its own requests, audited too, are
// not part of the walk.
func (s *KeysService) AllUsageLogs(ctx context.Context, p UsageLogParams) iter.Seq2[UsageLog, error] {
	fetch := func(c pageCursor) ([]UsageLog, bool, error) {
		q := p
		q.Limit, q.Offset, q.To = c.limit, c.offset, c.to
		logs, err := s.UsageLogs(ctx, q)
		return logs, len(logs) < q.Limit, err
	}
	stamp := func(l UsageLog) (string, time.Time) { return l.ID, l.Timestamp }
	return walkPages(pageCursor{limit: p.Limit, offset: p.Offset, to: p.To}, fetch, stamp)
}
