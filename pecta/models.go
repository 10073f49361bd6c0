package pecta

import (
	"cmp"
	"encoding/json"
	"time"
)

// Lifecycle stages of an agent's reputation, by evaluations in the window:
// new (0), calibrating (1-49), active (50-499), mature (500+).
const (
	LifecycleNew         = "new"
	LifecycleCalibrating = "calibrating"
	LifecycleActive      = "active"
	LifecycleMature      = "mature"
)

// EvaluateRequest is the input of Client.Evaluate.
type EvaluateRequest struct {
	AgentID   string  `json:"agent_id"`             // required, 1..200 characters, valid UTF-8
	Output    any     `json:"output"`               // required: any JSON-encodable value (json.RawMessage is sent as is); with Input at most MaxEvaluateBytes encoded
	Tool      string  `json:"tool,omitempty"`       // at most 200 characters, valid UTF-8
	Input     any     `json:"input,omitempty"`      // any JSON value, or nil
	LatencyMS float64 `json:"latency_ms,omitempty"` // 0..60000
}

// Evaluation is the verdict of the cloud gates on one output.
type Evaluation struct {
	EvaluationID   string          `json:"evaluation_id"`
	Passed         bool            `json:"passed"` // true only if every gate passed
	Gates          []GateResult    `json:"gates"`
	TotalLatencyMS float64         `json:"total_latency_ms"`
	Reputation     ReputationBrief `json:"reputation"`
}

// ReputationBrief is the reputation summary returned with an evaluation.
type ReputationBrief struct {
	Score     int    `json:"score"`     // 0..1000
	Lifecycle string `json:"lifecycle"` // new, calibrating, active, mature
	EvalCount int    `json:"eval_count"`
}

// IngestResult is the answer to an ingest batch.
type IngestResult struct {
	Accepted          int                `json:"accepted"`
	ReputationUpdates []ReputationUpdate `json:"reputation_updates"`
}

// ReputationUpdate is one agent's new reputation after an ingest. Its shape
// is not documented: known fields are decoded and Raw keeps the whole
// object.
type ReputationUpdate struct {
	AgentID string
	Score   int
	Status  string
	Raw     json.RawMessage
}

// decodeAnswer decodes an update tolerantly, reading "lifecycle" when there
// is no "status", and keeps the raw object.
func (u *ReputationUpdate) decodeAnswer(b []byte) error {
	var aux struct {
		AgentID   string `json:"agent_id"`
		Score     int    `json:"score"`
		Status    string `json:"status"`
		Lifecycle string `json:"lifecycle"`
	}
	if err := decodeJSON(b, &aux); err != nil {
		return err
	}
	u.AgentID, u.Score, u.Status = aux.AgentID, aux.Score, cmp.Or(aux.Status, aux.Lifecycle)
	u.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Reputation is an agent's 0-1000 score over its last 500 evaluations.
type Reputation struct {
	AgentID      string  `json:"agent_id"`
	Score        int     `json:"score"`       // 0..1000
	Evaluations  int     `json:"evaluations"` // in the window, at most 500
	Passed       int     `json:"passed"`
	PassRate     float64 `json:"pass_rate"` // 0..1
	AvgLatencyMS float64 `json:"avg_latency_ms"`
	Streak       int     `json:"streak"`
	Status       string  `json:"status"` // new, calibrating, active, mature
}

// Agent is a registered agent.
type Agent struct {
	AgentID   string    `json:"agent_id"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	EvalCount int       `json:"eval_count"` // lifetime
}

// StoredEvent is an event as GET /v1/events returns it.
type StoredEvent struct {
	ID              string       `json:"id"`
	AgentID         string       `json:"agent_id"`
	CreatedAt       time.Time    `json:"created_at"`
	Passed          bool         `json:"passed"`
	Gates           []GateResult `json:"gates"`
	TotalLatencyMS  float64      `json:"total_latency_ms"`
	ToolName        string       `json:"tool_name"`
	ReputationScore int          `json:"reputation_score"`
}

// EventPage is one page of GET /v1/events.
type EventPage struct {
	Events []StoredEvent `json:"events"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
	Count  int           `json:"count"` // Count < Limit marks the last page
}
