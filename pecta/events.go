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
// (or p.Limit) as the loop asks for them. When p.To is zero, the walk pins
// To to the newest event of its first page, so events arriving meanwhile do
// not shift the pages (the server's clock decides, not this machine's).
// Past the server's offset limit (100000) it continues by moving To back to
// the oldest created_at seen, skipping the events at that instant it has
// already yielded (by id). An error ends the walk after being yielded once.
// The returned sequence may be ranged over again: each walk starts afresh.
func (s *EventsService) All(ctx context.Context, p EventListParams) iter.Seq2[StoredEvent, error] {
	return func(yield func(StoredEvent, error) bool) {
		w := eventWalk{p: p}
		if w.p.Limit == 0 {
			w.p.Limit = MaxEventsLimit
		}
		for {
			page, err := s.List(ctx, w.p)
			if err != nil {
				yield(StoredEvent{}, err)
				return
			}
			if w.p.To.IsZero() {
				if len(page.Events) == 0 {
					return
				}
				w.p.To = page.Events[0].CreatedAt // pin: later pages see the same set
			}
			for _, ev := range page.Events {
				if w.seenBefore(ev) {
					continue
				}
				w.note(ev)
				if !yield(ev, nil) {
					return
				}
			}
			if page.Count < w.p.Limit || len(page.Events) == 0 {
				return
			}
			if next := w.p.Offset + len(page.Events); next <= MaxEventsOffset {
				w.p.Offset = next
				continue
			}
			// Past the offset limit: restart at the oldest instant seen.
			if len(w.atOldest)+w.anonAtOldest >= MaxEventsOffset {
				yield(StoredEvent{}, ErrPagingLimit)
				return
			}
			w.restart()
		}
	}
}

// eventWalk is the state of one Events.All walk.
type eventWalk struct {
	p            EventListParams
	oldest       time.Time           // created_at of the oldest event yielded
	atOldest     map[string]struct{} // ids yielded at that instant
	anonAtOldest int                 // events without an id yielded at that instant
	skip         map[string]struct{} // after a restart: ids at p.To already yielded
	skipAnon     int                 // after a restart: id-less events at p.To to skip
}

// seenBefore reports an event at the restart instant that was yielded
// before the restart.
func (w *eventWalk) seenBefore(ev StoredEvent) bool {
	if w.skip == nil && w.skipAnon == 0 || !ev.CreatedAt.Equal(w.p.To) {
		return false
	}
	if ev.ID == "" {
		if w.skipAnon > 0 {
			w.skipAnon--
			return true
		}
		return false
	}
	_, ok := w.skip[ev.ID]
	return ok
}

func (w *eventWalk) note(ev StoredEvent) {
	if !ev.CreatedAt.Equal(w.oldest) || w.atOldest == nil {
		w.oldest, w.atOldest, w.anonAtOldest = ev.CreatedAt, map[string]struct{}{}, 0
	}
	if ev.ID == "" {
		w.anonAtOldest++
	} else {
		w.atOldest[ev.ID] = struct{}{}
	}
}

// restart moves To back to the oldest instant seen and pages from 0.
func (w *eventWalk) restart() {
	if !w.oldest.Equal(w.p.To) {
		w.skip, w.skipAnon = map[string]struct{}{}, 0
	}
	for id := range w.atOldest {
		w.skip[id] = struct{}{}
	}
	w.skipAnon = w.anonAtOldest
	w.p.To, w.p.Offset = w.oldest, 0
}
