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
	err := c.do(ctx, &call{op: "reputation", method: http.MethodGet, path: "/v1/reputation/" + pathSegment(agentID)}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// pathSegment escapes s as one path segment. "." and ".." are
// percent-encoded too: left as they are, a proxy or router that cleans
// paths would resolve them (GET /v1/reputation/.. becomes GET /v1/).
func pathSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

// Health checks GET /health (no authentication). Any 2xx is healthy; other
// answers are an *APIError.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, &call{op: "health", method: http.MethodGet, path: "/health", noAuth: true}, nil)
}
