package pectatest

import (
	"net/http"
	"strconv"
	"time"
)

// maxUsageLogs bounds the usage log kept in memory (oldest entries leave first).
const maxUsageLogs = 10000

// usageLog is one authenticated /v1 request.
type usageLog struct {
	at             time.Time // Timestamp, for the from/to filters
	ID             string    `json:"id"`
	Timestamp      string    `json:"timestamp"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	StatusCode     int       `json:"status_code"`
	ResponseTimeMS float64   `json:"response_time_ms"`
	APIKeyID       string    `json:"api_key_id"`
}

// logUsage records an authenticated request once it has been answered.
func (s *Server) logUsage(keyID string, r *http.Request, status int, start time.Time) {
	entry := usageLog{
		ID:             "log_" + randomAlnum(24),
		Method:         r.Method,
		Path:           r.URL.Path,
		StatusCode:     status,
		ResponseTimeMS: float64(time.Since(start).Microseconds()) / 1000,
		APIKeyID:       keyID,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// stamped under the lock, so that the log is in time order
	entry.at = s.now()
	entry.Timestamp = fmtTime(entry.at)
	s.usage = append(s.usage, entry)
	if len(s.usage) > maxUsageLogs {
		s.usage = s.usage[len(s.usage)-maxUsageLogs:]
	}
}

// handleUsageLogs serves GET /v1/usage/logs: newest first, limit 1..100 (default 20),
// optional api_key_id filter. The reference is silent on paging audits; this server also
// takes offset 0..100000 and an inclusive from/to range in RFC 3339, as GET /v1/events
// does [ours].
func (s *Server) handleUsageLogs(w http.ResponseWriter, c *call) {
	q := c.r.URL.Query()
	limit, e := intParam(q, "limit", 20, 1, 100)
	if e != nil {
		writeError(w, e)
		return
	}
	offset, e := intParam(q, "offset", 0, 0, maxEventOffset)
	if e != nil {
		writeError(w, e)
		return
	}
	from, to, e := timeRange(q)
	if e != nil {
		writeError(w, e)
		return
	}
	keyID := q.Get("api_key_id")
	out := []usageLog{}
	s.mu.Lock()
	for i := len(s.usage) - 1; i >= 0 && len(out) < limit; i-- {
		l := &s.usage[i]
		if (keyID != "" && l.APIKeyID != keyID) || !inRange(l.at, from, to) {
			continue
		}
		if offset > 0 {
			offset--
			continue
		}
		out = append(out, *l)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"logs": out})
}

func itoa(i int) string { return strconv.Itoa(i) }
