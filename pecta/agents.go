package pecta

import (
	"context"
	"encoding/json"
	"net/http"
)

// AgentsService registers and lists agents.
type AgentsService struct{ c *Client }

// List returns up to 500 agents, most recently seen first.
func (s *AgentsService) List(ctx context.Context) ([]Agent, error) {
	var out struct {
		Agents []Agent `json:"agents"`
	}
	if err := s.c.do(ctx, &call{op: "agents.list", method: http.MethodGet, path: "/v1/agents"}, &out); err != nil {
		return nil, err
	}
	return out.Agents, nil
}

// Register makes an agent known before its first event (idempotent).
func (s *AgentsService) Register(ctx context.Context, agentID string) (*Agent, error) {
	if err := checkAgentID(agentID, "agent_id"); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(struct {
		AgentID string `json:"agent_id"`
	}{agentID})
	var out struct {
		AgentID    string `json:"agent_id"`
		Registered bool   `json:"registered"`
	}
	if err := s.c.do(ctx, &call{op: "agents.register", method: http.MethodPost, path: "/v1/agents", body: body, class: retryUnsent}, &out); err != nil {
		return nil, err
	}
	if out.AgentID == "" {
		out.AgentID = agentID
	}
	return &Agent{AgentID: out.AgentID}, nil
}
