package pectatest

import "time"

// rateWindow is the rolling 60 s window of one limit.
const rateWindow = time.Minute

// rateLimiter keeps the times of the requests admitted in the last window, one list for
// POST /v1/ingest and one for every other /v1 route. The server has a single organisation.
type rateLimiter struct {
	ingest []time.Time
	other  []time.Time
}

// rateLimit admits one authenticated request or returns how long until the oldest request
// of the full window leaves it.
func (s *Server) rateLimit(ingest bool) (wait time.Duration, limited bool) {
	now := s.cfg.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	win, limit := &s.limiter.other, s.cfg.otherPerMin
	if ingest {
		win, limit = &s.limiter.ingest, s.cfg.ingestPerMin
	}
	if limit <= 0 {
		return 0, false
	}
	cut := 0
	for cut < len(*win) && !(*win)[cut].After(now.Add(-rateWindow)) {
		cut++
	}
	*win = (*win)[cut:]
	if len(*win) >= limit {
		wait = (*win)[0].Add(rateWindow).Sub(now)
		return max(wait, time.Second), true
	}
	*win = append(*win, now)
	return 0, false
}
