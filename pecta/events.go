package pecta

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// EventListParams filters GET /v1/events. Zero fields are not sent.
type EventListParams struct {
	Limit   int       // 1..100; 0: server default (50). Events.All uses 100.
	Offset  int       // 0..100000
	AgentID string    // only this agent
	Passed  *bool     // only passed (true) or failed (false) events
	From    time.Time // inclusive lower bound on created_at
	To      time.Time // inclusive upper bound on created_at
}

func (p *EventListParams) values() (url.Values, error) {
	if p.AgentID != "" {
		if err := checkAgentID(p.AgentID, "agent_id"); err != nil {
			return nil, err
		}
	}
	v, err := pageValues(p.Limit, p.Offset, p.From, p.To)
	if err != nil {
		return nil, err
	}
	if p.AgentID != "" {
		v.Set("agent_id", p.AgentID)
	}
	if p.Passed != nil {
		v.Set("passed", strconv.FormatBool(*p.Passed))
	}
	return v, nil
}

// EventsService reads stored events.
type EventsService struct{ c *Client }

// List returns one page of events, newest first.
func (s *EventsService) List(ctx context.Context, p EventListParams) (*EventPage, error) {
	q, err := p.values()
	if err != nil {
		return nil, err
	}
	var out EventPage
	if err := s.c.do(ctx, &call{op: "events.list", method: http.MethodGet, path: "/v1/events", query: q}, &out); err != nil {
		return nil, err
	}
	if out.Count == 0 && len(out.Events) > 0 {
		out.Count = len(out.Events)
	}
	return &out, nil
}

// All walks every event matching p, newest first, in pages of 100 (or
// p.Limit) fetched as the loop asks for them; a zero p.To is pinned to the
// newest event first seen. Past the server's offset limit it moves To back
// to the oldest instant seen. An error ends the walk after being yielded
// once; each range over the sequence walks afresh.
func (s *EventsService) All(ctx context.Context, p EventListParams) iter.Seq2[StoredEvent, error] {
	fetch := func(c pageCursor) ([]StoredEvent, bool, error) {
		q := p
		q.Limit, q.Offset, q.To = c.limit, c.offset, c.to
		page, err := s.List(ctx, q)
		if err != nil {
			return nil, false, err
		}
		return page.Events, page.Count < q.Limit, nil
	}
	stamp := func(ev StoredEvent) (string, time.Time) { return ev.ID, ev.CreatedAt }
	return walkPages(pageCursor{limit: p.Limit, offset: p.Offset, to: p.To}, fetch, stamp)
}
