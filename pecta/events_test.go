package pecta

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEvents serves GET /v1/events from memory with the documented paging
// rules: newest first, to/from inclusive, offset at most 100000.
type fakeEvents struct {
	mu     sync.Mutex
	events []fakeEvent // sorted newest first
	calls  int

	// flipped, when set, is served for every "to" other than the first one
	// seen: the same events with ties in the opposite order, as a server
	// with no tie-breaker may answer.
	flipped []fakeEvent
	firstTo string

	// arrivals, when set, adds that many events at the newest instant
	// after every page served: events that arrive at the instant a walk
	// pinned as its bound, which it includes.
	arrivals int
}

type fakeEvent struct {
	id int
	at time.Time
}

func (f *fakeEvents) add(id int, at time.Time) {
	f.events = append(f.events, fakeEvent{id, at})
	sort.SliceStable(f.events, func(i, j int) bool {
		if !f.events[i].at.Equal(f.events[j].at) {
			return f.events[i].at.After(f.events[j].at)
		}
		return f.events[i].id > f.events[j].id
	})
}

func (f *fakeEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	q := r.URL.Query()
	limit, offset := 50, 0
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	if limit < 1 || limit > 100 || offset < 0 || offset > 100000 {
		w.WriteHeader(400)
		w.Write([]byte(`{"error":"offset: out of range","code":"validation_error","status":400}`))
		return
	}
	var to time.Time
	if v := q.Get("to"); v != "" {
		to, _ = time.Parse(time.RFC3339Nano, v)
	}
	events := f.events
	if v := q.Get("to"); v != "" && f.flipped != nil {
		if f.firstTo == "" {
			f.firstTo = v
		}
		if v != f.firstTo {
			events = f.flipped
		}
	}
	var b strings.Builder
	b.WriteString(`{"events":[`)
	n, skipped := 0, 0
	for _, e := range events {
		if !to.IsZero() && e.at.After(to) {
			continue
		}
		if skipped < offset {
			skipped++
			continue
		}
		if n == limit {
			break
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":"evt_` + strconv.Itoa(e.id) + `","agent_id":"a","created_at":"` + e.at.Format(time.RFC3339Nano) + `","passed":true,"gates":[]}`)
		n++
	}
	b.WriteString(`],"limit":` + strconv.Itoa(limit) + `,"offset":` + strconv.Itoa(offset) + `,"count":` + strconv.Itoa(n) + `}`)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(b.String()))
	for i := range f.arrivals {
		f.add(2_000_000+f.calls*f.arrivals+i, f.events[0].at)
	}
	if f.calls == 1 {
		// events arriving after the walk started must not shift its pages
		for i := 0; i < 7; i++ {
			f.add(1_000_000+i, time.Now().Add(time.Hour))
		}
	}
}

func TestEventsAllWalksPastOffsetLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 100k events")
	}
	const total = 100_257
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &fakeEvents{}
	for i := 0; i < total; i++ {
		// groups of three share a timestamp, so page and restart
		// boundaries fall inside ties
		f.events = append(f.events, fakeEvent{i, base.Add(time.Duration(i/3) * time.Millisecond)})
	}
	f.add(-1, base.Add(-time.Hour)) // sort once
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newTestClient(t, srv.URL, testPK)

	seen := make(map[string]bool, total+1)
	prev := time.Time{}
	for ev, err := range c.Events.All(context.Background(), EventListParams{}) {
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		if seen[ev.ID] {
			t.Fatalf("event %s yielded twice", ev.ID)
		}
		seen[ev.ID] = true
		if !prev.IsZero() && ev.CreatedAt.After(prev) {
			t.Fatalf("order: %v after %v", ev.CreatedAt, prev)
		}
		prev = ev.CreatedAt
	}
	if len(seen) != total+1 {
		t.Fatalf("walk yielded %d events, want %d", len(seen), total+1)
	}
	if seen["evt_1000000"] {
		t.Error("walk included an event created after it started")
	}
}

func TestEventsAllTiesInAnotherOrderAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 100k events")
	}
	const total = 100_155
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &fakeEvents{}
	for i := 0; i < total; i++ {
		f.events = append(f.events, fakeEvent{i, base.Add(time.Duration(i/10) * time.Millisecond)})
	}
	f.add(-1, base.Add(-time.Hour))
	f.flipped = append([]fakeEvent(nil), f.events...)
	sort.SliceStable(f.flipped, func(i, j int) bool {
		a, b := f.flipped[i], f.flipped[j]
		if !a.at.Equal(b.at) {
			return a.at.After(b.at)
		}
		return a.id < b.id
	})
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newTestClient(t, srv.URL, testPK)
	seen := map[string]int{}
	for ev, err := range c.Events.All(context.Background(), EventListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[ev.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s yielded %d times", id, n)
		}
	}
	if len(seen) != total+1 {
		t.Errorf("yielded %d distinct events, want %d", len(seen), total+1)
	}
}

// Events arriving at the pinned instant push the listing down between
// pages: the walk yields every event once all the same.
func TestEventsAllArrivalsAtThePinnedInstant(t *testing.T) {
	for _, arrivals := range []int{1, 3, 39} {
		f := &fakeEvents{arrivals: arrivals}
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 250; i++ {
			f.add(i, base.Add(time.Duration(i/2)*time.Second))
		}
		f.calls = 1 // no late arrivals after the bound
		srv := httptest.NewServer(f)
		c := newTestClient(t, srv.URL, testPK)
		seen := map[string]bool{}
		for ev, err := range c.Events.All(context.Background(), EventListParams{Limit: 40}) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[ev.ID] {
				t.Errorf("arrivals %d: %s yielded twice", arrivals, ev.ID)
			}
			seen[ev.ID] = true
		}
		srv.Close()
		old := 0
		for id := range seen {
			if n, _ := strconv.Atoi(strings.TrimPrefix(id, "evt_")); n < 250 {
				old++
			}
		}
		if old != 250 {
			t.Errorf("arrivals %d: %d of the 250 events yielded", arrivals, old)
		}
	}
}

func TestEventsAllCanBeRangedTwice(t *testing.T) {
	f := &fakeEvents{}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 250; i++ {
		f.add(i, base.Add(time.Duration(i)*time.Second))
	}
	f.calls = 1 // no late arrivals
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newTestClient(t, srv.URL, testPK)
	seq := c.Events.All(context.Background(), EventListParams{Limit: 40})
	for round := range 2 {
		n := 0
		for _, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 250 {
			t.Errorf("walk %d yielded %d, want 250", round+1, n)
		}
	}
}

func TestEventsAllStopsOnBreakAndError(t *testing.T) {
	f := &fakeEvents{}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 250; i++ {
		f.add(i, base.Add(time.Duration(i)*time.Second))
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newTestClient(t, srv.URL, testPK)
	n := 0
	for range c.Events.All(context.Background(), EventListParams{Limit: 10}) {
		n++
		if n == 15 {
			break
		}
	}
	if f.calls != 2 {
		t.Errorf("fetched %d pages for 15 events of 10 a page", f.calls)
	}
	s := newScript(t, reply(401, apiErr(401, "auth_revoked")))
	c2 := newTestClient(t, s.URL, testPK)
	errs := 0
	for _, err := range c2.Events.All(context.Background(), EventListParams{}) {
		if !errors.Is(err, ErrAuthRevoked) {
			t.Errorf("err = %v", err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("yielded %d errors, want 1", errs)
	}
}

func TestEventListParamsValidation(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", testPK)
	yes := true
	for _, p := range []EventListParams{{Limit: -1}, {Limit: 101}, {Offset: 100001}, {Offset: -1},
		{From: time.Now(), To: time.Now().Add(-time.Hour)}, {AgentID: strings.Repeat("a", 201), Passed: &yes}} {
		_, err := c.Events.List(context.Background(), p)
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
			t.Errorf("%+v: err = %v", p, err)
		}
	}
}
