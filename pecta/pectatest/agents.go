package pectatest

import (
	"net/http"
	"sort"
	"time"
)

// maxAgentsListed is the most agents GET /v1/agents returns.
const maxAgentsListed = 500

// agent is what the server knows about one agent.
type agent struct {
	id        string
	firstSeen time.Time
	lastSeen  time.Time
	seenSeq   uint64 // orders agents seen in the same millisecond
	evalCount int    // lifetime
	window    []outcome
}

// touchAgentLocked returns the agent, registering it if new, and marks it seen now. The
// caller holds s.mu.
func (s *Server) touchAgentLocked(id string, now time.Time) *agent {
	a := s.agents[id]
	if a == nil {
		a = &agent{id: id, firstSeen: now}
		s.agents[id] = a
	}
	a.lastSeen = now
	s.agentSeq++
	a.seenSeq = s.agentSeq
	return a
}

// observeLocked enters one evaluation into the agent's window. The caller holds s.mu.
func (s *Server) observeLocked(id string, o outcome, now time.Time) *agent {
	a := s.touchAgentLocked(id, now)
	a.evalCount++
	a.window = append(a.window, o)
	if len(a.window) > reputationWindow {
		a.window = a.window[len(a.window)-reputationWindow:]
	}
	return a
}

type agentJSON struct {
	AgentID   string `json:"agent_id"`
	FirstSeen string `json:"first_seen"`
	LastSeen  string `json:"last_seen"`
	EvalCount int    `json:"eval_count"`
}

func (a *agent) toJSON() agentJSON {
	return agentJSON{AgentID: a.id, FirstSeen: fmtTime(a.firstSeen), LastSeen: fmtTime(a.lastSeen), EvalCount: a.evalCount}
}

// handleAgents serves GET and POST /v1/agents.
func (s *Server) handleAgents(w http.ResponseWriter, c *call) {
	if c.r.Method == http.MethodPost {
		s.registerAgent(w, c)
		return
	}
	s.mu.Lock()
	list := make([]*agent, 0, len(s.agents))
	for _, a := range s.agents {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].lastSeen.Equal(list[j].lastSeen) {
			return list[i].lastSeen.After(list[j].lastSeen)
		}
		return list[i].seenSeq > list[j].seenSeq
	})
	if len(list) > maxAgentsListed {
		list = list[:maxAgentsListed]
	}
	out := make([]agentJSON, len(list))
	for i, a := range list {
		out[i] = a.toJSON()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"agents": out})
}

// registerAgent serves POST /v1/agents: idempotent, 201 with the agent and registered=true.
// Registering a known agent changes nothing.
func (s *Server) registerAgent(w http.ResponseWriter, c *call) {
	o, e := parseBody(c.body)
	if e == nil {
		var id string
		id, e = o.str("", "agent_id", 1, 200)
		if e == nil {
			now := s.now()
			s.mu.Lock()
			a := s.agents[id]
			if a == nil {
				a = s.touchAgentLocked(id, now)
			}
			body := struct {
				agentJSON
				Registered bool `json:"registered"`
			}{a.toJSON(), true}
			s.mu.Unlock()
			writeJSON(w, http.StatusCreated, body)
			return
		}
	}
	writeError(w, e)
}
