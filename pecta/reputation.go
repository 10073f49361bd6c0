package pecta

import (
	"context"
	"net/http"
	"net/url"
)

// Reputation returns an agent's reputation. An agent the server has never
// seen gets a zeroed record with status "new", not an error.
func (c *Client) Reputation(ctx context.Context, agentID string) (*Reputation, error) {
	if err := checkAgentID(agentID, "agent_id"); err != nil {
		return nil, err
	}
	var out Reputation
	err := c.do(ctx, &call{op: "reputation", method: http.MethodGet, path: "/v1/reputation/" + url.PathEscape(agentID)}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Health checks GET /health (no authentication). Any 2xx is healthy; other
// answers are an *APIError.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, &call{op: "health", method: http.MethodGet, path: "/health", noAuth: true}, nil)
}
