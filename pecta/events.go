package pecta

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Paging limits of GET /v1/events.
const (
	MaxEventsLimit  = 100
	MaxEventsOffset = 100000
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
	if p.Limit < 0 || p.Limit > MaxEventsLimit {
		return nil, &ValidationError{Field: "limit", Reason: "must be between 1 and 100"}
	}
	if p.Offset < 0 || p.Offset > MaxEventsOffset {
		return nil, &ValidationError{Field: "offset", Reason: "must be between 0 and 100000"}
	}
	if p.AgentID != "" {
		if err := checkAgentID(p.AgentID, "agent_id"); err != nil {
			return nil, err
		}
	}
	if !p.From.IsZero() && !p.To.IsZero() && p.From.After(p.To) {
		return nil, &ValidationError{Field: "from", Reason: "is after to"}
	}
	v := url.Values{}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Offset > 0 {
		v.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.AgentID != "" {
		v.Set("agent_id", p.AgentID)
	}
	if p.Passed != nil {
		v.Set("passed", strconv.FormatBool(*p.Passed))
	}
	if !p.From.IsZero() {
		v.Set("from", p.From.UTC().Format(time.RFC3339Nano))
	}
	if !p.To.IsZero() {
		v.Set("to", p.To.UTC().Format(time.RFC3339Nano))
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

// ErrPagingLimit is yielded by Events.All when more than 100000 events
// share one created_at, so the walk cannot move past them.
var ErrPagingLimit = errors.New("pecta: events: more than 100000 events share one timestamp; narrow the filter")

// All walks every event matching p, newest first, fetching pages of 100
// (or p.Limit) as the loop asks for them. It pins To at the start of the
// walk, so events arriving meanwhile do not shift the pages, and past the
// server's offset limit (100000) it continues by moving To back to the
// oldest created_at seen. An error ends the walk after being yielded once.
func (s *EventsService) All(ctx context.Context, p EventListParams) iter.Seq2[StoredEvent, error] {
	return func(yield func(StoredEvent, error) bool) {
		if p.Limit == 0 {
			p.Limit = MaxEventsLimit
		}
		if p.To.IsZero() {
			p.To = time.Now().UTC()
		}
		// skip counts events at the head of the next page already yielded:
		// those sharing the boundary timestamp after To moves back.
		skip := 0
		var boundary time.Time
		atBoundary := 0
		for {
			page, err := s.List(ctx, p)
			if err != nil {
				yield(StoredEvent{}, err)
				return
			}
			for _, ev := range page.Events {
				if skip > 0 && ev.CreatedAt.Equal(p.To) {
					skip--
					continue
				}
				skip = 0
				if ev.CreatedAt.Equal(boundary) {
					atBoundary++
				} else {
					boundary, atBoundary = ev.CreatedAt, 1
				}
				if !yield(ev, nil) {
					return
				}
			}
			if page.Count < p.Limit || len(page.Events) == 0 {
				return
			}
			next := p.Offset + len(page.Events)
			if next <= MaxEventsOffset {
				p.Offset = next
				continue
			}
			// Past the offset limit: restart below the oldest event seen.
			if atBoundary >= MaxEventsOffset {
				yield(StoredEvent{}, ErrPagingLimit)
				return
			}
			p.To, p.Offset, skip = boundary, 0, atBoundary
		}
	}
}
