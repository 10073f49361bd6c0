package pectatest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// storedEvent is one event of GET /v1/events, from ingest or evaluate.
type storedEvent struct {
	seq             uint64 // insertion order, breaks created_at ties
	id              string
	agentID         string
	createdAt       time.Time
	passed          bool
	gates           []Gate
	totalLatencyMS  float64
	tool            string
	reputationScore int
}

// gateJSON is the wire form of a gate result.
type gateJSON struct {
	Name      string  `json:"name"`
	Passed    bool    `json:"passed"`
	LatencyMS float64 `json:"latency_ms"`
	Reason    string  `json:"reason,omitempty"`
	Skipped   bool    `json:"skipped,omitempty"`
}

func gatesJSON(gates []Gate) []gateJSON {
	out := make([]gateJSON, len(gates))
	for i, g := range gates {
		out[i] = gateJSON(g)
	}
	return out
}

type eventJSON struct {
	ID              string     `json:"id"`
	AgentID         string     `json:"agent_id"`
	CreatedAt       string     `json:"created_at"`
	Passed          bool       `json:"passed"`
	Gates           []gateJSON `json:"gates"`
	TotalLatencyMS  float64    `json:"total_latency_ms"`
	ToolName        string     `json:"tool_name"`
	ReputationScore int        `json:"reputation_score"`
}

// storeEventLocked appends an event. The caller holds s.mu.
func (s *Server) storeEventLocked(ev storedEvent) {
	s.eventSeq++
	ev.seq = s.eventSeq
	ev.id = "evt_" + randomAlnum(24)
	ev.createdAt = ev.createdAt.UTC().Truncate(time.Millisecond)
	s.events = append(s.events, ev)
}

// Event query limits.
const (
	defaultEventLimit = 50
	maxEventLimit     = 100
	maxEventOffset    = 100000
)

type eventQuery struct {
	limit, offset int
	agentID       string
	passed        *bool
	from, to      *time.Time
}

func parseEventQuery(q url.Values) (eventQuery, *apiError) {
	eq := eventQuery{limit: defaultEventLimit}
	var e *apiError
	if eq.limit, e = intParam(q, "limit", defaultEventLimit, 1, maxEventLimit); e != nil {
		return eq, e
	}
	if eq.offset, e = intParam(q, "offset", 0, 0, maxEventOffset); e != nil {
		return eq, e
	}
	eq.agentID = q.Get("agent_id")
	if q.Has("passed") {
		switch q.Get("passed") {
		case "true":
			v := true
			eq.passed = &v
		case "false":
			v := false
			eq.passed = &v
		default:
			return eq, validation(`passed: must be "true" or "false"`)
		}
	}
	eq.from, eq.to, e = timeRange(q)
	return eq, e
}

// timeRange reads the optional from and to query parameters (RFC 3339, inclusive).
func timeRange(q url.Values) (from, to *time.Time, e *apiError) {
	for _, name := range []string{"from", "to"} {
		if !q.Has(name) {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, q.Get(name))
		if err != nil {
			return nil, nil, validation(name + ": must be an RFC 3339 timestamp")
		}
		if name == "from" {
			from = &t
		} else {
			to = &t
		}
	}
	return from, to, nil
}

// inRange reports whether t is within the inclusive range [from, to] (nil: unbounded).
func inRange(t time.Time, from, to *time.Time) bool {
	return (from == nil || !t.Before(*from)) && (to == nil || !t.After(*to))
}

// intParam reads an integer query parameter in [lo, hi], def when absent.
func intParam(q url.Values, name string, def, lo, hi int) (int, *apiError) {
	if !q.Has(name) {
		return def, nil
	}
	v, err := strconv.Atoi(q.Get(name))
	if err != nil || v < lo || v > hi {
		return 0, validation(name + ": must be an integer " + strconv.Itoa(lo) + ".." + strconv.Itoa(hi))
	}
	return v, nil
}

func (eq eventQuery) match(ev *storedEvent) bool {
	if eq.agentID != "" && ev.agentID != eq.agentID {
		return false
	}
	if eq.passed != nil && ev.passed != *eq.passed {
		return false
	}
	return inRange(ev.createdAt, eq.from, eq.to)
}

// handleEvents serves GET /v1/events: newest created_at first, ties newest inserted first.
func (s *Server) handleEvents(w http.ResponseWriter, c *call) {
	eq, e := parseEventQuery(c.r.URL.Query())
	if e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	var matched []*storedEvent
	for i := range s.events {
		if eq.match(&s.events[i]) {
			matched = append(matched, &s.events[i])
		}
	}
	sort.Slice(matched, func(i, j int) bool {
		a, b := matched[i], matched[j]
		if !a.createdAt.Equal(b.createdAt) {
			return a.createdAt.After(b.createdAt)
		}
		return a.seq > b.seq
	})
	page := []eventJSON{}
	for i := eq.offset; i < len(matched) && len(page) < eq.limit; i++ {
		ev := matched[i]
		page = append(page, eventJSON{
			ID: ev.id, AgentID: ev.agentID, CreatedAt: fmtTime(ev.createdAt), Passed: ev.passed,
			Gates: gatesJSON(ev.gates), TotalLatencyMS: ev.totalLatencyMS, ToolName: ev.tool,
			ReputationScore: ev.reputationScore,
		})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"events": page, "limit": eq.limit, "offset": eq.offset, "count": len(page),
	})
}
