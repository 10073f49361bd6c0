package pectatest

import (
	"math"
	"net/http"
)

// reputationWindow is how many of an agent's most recent evaluations the score covers.
const reputationWindow = 500

// outcome is one evaluation in an agent's reputation window.
type outcome struct {
	passed    bool
	latencyMS float64
}

// reputation is the body of GET /v1/reputation/{agentId}.
type reputation struct {
	AgentID      string  `json:"agent_id"`
	Score        int     `json:"score"`
	Evaluations  int     `json:"evaluations"`
	Passed       int     `json:"passed"`
	PassRate     float64 `json:"pass_rate"`
	AvgLatencyMS float64 `json:"avg_latency_ms"`
	Streak       int     `json:"streak"`
	Status       string  `json:"status"`
}

// lifecycle names the status for a number of evaluations in the window.
func lifecycle(evaluations int) string {
	switch {
	case evaluations <= 0:
		return "new"
	case evaluations < 50:
		return "calibrating"
	case evaluations < 500:
		return "active"
	default:
		return "mature"
	}
}

// computeReputation applies the documented formula over window (oldest first):
//
//	score = floor(pass_rate*400 + latency_score*250 + streak_score*200 + volume_score*150)
//	latency_score = max(0, 1 - avg_latency_ms/100)
//	streak_score  = min(streak, 50) / 50
//	volume_score  = min(evaluations, 500) / 500
//
// An agent with no evaluations scores 0. A tiny epsilon keeps float rounding
// (0.29*400 = 115.99999...) from losing a point.
func computeReputation(agentID string, window []outcome) reputation {
	rep := reputation{AgentID: agentID, Status: "new"}
	if len(window) > reputationWindow {
		window = window[len(window)-reputationWindow:]
	}
	n := len(window)
	if n == 0 {
		return rep
	}
	var latency float64
	for _, o := range window {
		if o.passed {
			rep.Passed++
		}
		latency += o.latencyMS
	}
	for i := n - 1; i >= 0 && window[i].passed; i-- {
		rep.Streak++
	}
	rep.Evaluations = n
	rep.PassRate = float64(rep.Passed) / float64(n)
	rep.AvgLatencyMS = latency / float64(n)
	rep.Status = lifecycle(n)

	latencyScore := math.Max(0, 1-rep.AvgLatencyMS/100)
	streakScore := float64(min(rep.Streak, 50)) / 50
	volumeScore := float64(min(n, reputationWindow)) / reputationWindow
	raw := rep.PassRate*400 + latencyScore*250 + streakScore*200 + volumeScore*150
	rep.Score = min(1000, max(0, int(math.Floor(raw+1e-9))))
	return rep
}

// reputationLocked is the current reputation of agentID (zeroed when unknown). The caller
// holds s.mu.
func (s *Server) reputationLocked(agentID string) reputation {
	a := s.agents[agentID]
	if a == nil {
		return computeReputation(agentID, nil)
	}
	return computeReputation(agentID, a.window)
}

// handleReputation serves GET /v1/reputation/{agentId}. Unknown agents get a zeroed record.
func (s *Server) handleReputation(w http.ResponseWriter, c *call) {
	s.mu.Lock()
	rep := s.reputationLocked(c.param)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, rep)
}
