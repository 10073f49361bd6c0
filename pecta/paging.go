package pecta

import (
	"errors"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// Paging limits of the list routes (GET /v1/events, GET /v1/usage/logs).
const (
	maxPageLimit  = 100
	maxPageOffset = 100000
)

// ErrPagingLimit is yielded by Events.All and Keys.AllUsageLogs when more
// than 100000 entries share one timestamp, so the walk cannot move past
// them.
var ErrPagingLimit = errors.New("pecta: more than 100000 entries share one timestamp; narrow the filter")

// pageValues checks and encodes the paging parameters shared by the list
// routes: limit 1..100 (0: not sent), offset 0..100000, and an inclusive
// from/to range in RFC 3339.
func pageValues(limit, offset int, from, to time.Time) (url.Values, error) {
	if limit < 0 || limit > maxPageLimit {
		return nil, &ValidationError{Field: "limit", Reason: "must be between 1 and 100"}
	}
	if offset < 0 || offset > maxPageOffset {
		return nil, &ValidationError{Field: "offset", Reason: "must be between 0 and 100000"}
	}
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		return nil, &ValidationError{Field: "from", Reason: "is after to"}
	}
	v := url.Values{}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if !from.IsZero() {
		v.Set("from", from.UTC().Format(time.RFC3339Nano))
	}
	if !to.IsZero() {
		v.Set("to", to.UTC().Format(time.RFC3339Nano))
	}
	return v, nil
}

// pageCursor is where a walk is: the page size, the offset, and the pinned
// inclusive upper bound on the listing's timestamps.
type pageCursor struct {
	limit  int
	offset int
	to     time.Time
}

// walkPages walks a newest-first listing page by page, as the loop asks for
// items, for Events.All and Keys.AllUsageLogs:
//
//   - When the cursor has no upper bound, the walk pins it to the timestamp
//     of the first item it gets, so that entries arriving meanwhile do not
//     shift the pages (the server's clock decides, not this machine's).
//     Entries that still arrive at that very instant (the bound is
//     inclusive) push the listing down: an item seen again is skipped by
//     id (it is one of the last page-size items yielded).
//   - Past the server's offset limit it moves the bound back to the oldest
//     timestamp seen and pages from offset 0 again, skipping the items at
//     that instant it has already yielded (by id; id-less items by count).
//
// fetch returns one page and whether it is the last; stamp returns an
// item's id and timestamp. An error ends the walk after being yielded once.
// The sequence may be ranged over again: each walk starts afresh.
func walkPages[T any](c pageCursor, fetch func(pageCursor) (items []T, last bool, err error), stamp func(T) (id string, at time.Time)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		w := pageWalk{cur: c}
		if w.cur.limit == 0 {
			w.cur.limit = maxPageLimit
		}
		w.recent = newRecentIDs(w.cur.limit)
		for {
			items, last, err := fetch(w.cur)
			if err != nil {
				yield(zero, err)
				return
			}
			if w.cur.to.IsZero() {
				if len(items) == 0 {
					return
				}
				_, w.cur.to = stamp(items[0]) // pin: later pages see the same set
			}
			for _, it := range items {
				id, at := stamp(it)
				if w.seenBefore(id, at) {
					continue
				}
				w.note(id, at)
				if !yield(it, nil) {
					return
				}
			}
			if last || len(items) == 0 {
				return
			}
			if next := w.cur.offset + len(items); next <= maxPageOffset {
				w.cur.offset = next
				continue
			}
			// Past the offset limit: restart at the oldest instant seen.
			if len(w.atOldest)+w.anonAtOldest >= maxPageOffset {
				yield(zero, ErrPagingLimit)
				return
			}
			w.restart()
		}
	}
}

// pageWalk is the state of one walk.
type pageWalk struct {
	cur          pageCursor
	recent       *recentIDs          // the last page-size ids yielded
	oldest       time.Time           // timestamp of the oldest item yielded
	atOldest     map[string]struct{} // ids yielded at that instant
	anonAtOldest int                 // items without an id yielded at that instant
	atTo         map[string]struct{} // after a restart: ids at cur.to already yielded
	anonAtTo     int                 // after a restart: id-less items at cur.to to skip
}

// seenBefore reports an item yielded before: among the last page-size
// items (the listing moved down) or, after a restart, at the restart
// instant. Items come newest first, so an item a page shows again is one of
// the last page-size items yielded.
func (w *pageWalk) seenBefore(id string, at time.Time) bool {
	if id != "" && w.recent.has(id) {
		return true
	}
	if !at.Equal(w.cur.to) {
		return false
	}
	if id == "" {
		if w.anonAtTo > 0 {
			w.anonAtTo--
			return true
		}
		return false
	}
	_, ok := w.atTo[id]
	return ok
}

// note records a yielded item.
func (w *pageWalk) note(id string, at time.Time) {
	if !at.Equal(w.oldest) || w.atOldest == nil {
		w.oldest, w.atOldest, w.anonAtOldest = at, map[string]struct{}{}, 0
	}
	if id == "" {
		w.anonAtOldest++
		return
	}
	w.atOldest[id] = struct{}{}
	w.recent.add(id)
}

// restart moves the bound back to the oldest instant seen and pages from 0.
func (w *pageWalk) restart() {
	if !w.oldest.Equal(w.cur.to) || w.atTo == nil {
		w.atTo = map[string]struct{}{}
	}
	for id := range w.atOldest {
		w.atTo[id] = struct{}{}
	}
	w.anonAtTo = w.anonAtOldest
	w.cur.to, w.cur.offset = w.oldest, 0
}

// recentIDs holds the last n ids added.
type recentIDs struct {
	ring []string
	next int
	set  map[string]struct{}
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{ring: make([]string, 0, n), set: make(map[string]struct{}, n)}
}

func (r *recentIDs) has(id string) bool {
	_, ok := r.set[id]
	return ok
}

func (r *recentIDs) add(id string) {
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % len(r.ring)
	}
	r.set[id] = struct{}{}
}
