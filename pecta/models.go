package pecta

import (
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

// UnmarshalJSON decodes tolerantly (the id as string or number).
func (e *Evaluation) UnmarshalJSON(b []byte) error {
	type alias Evaluation
	aux := struct {
		*alias
		EvaluationID   jsonString `json:"evaluation_id"`
		TotalLatencyMS jsonFloat  `json:"total_latency_ms"`
	}{alias: (*alias)(e)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	e.EvaluationID, e.TotalLatencyMS = string(aux.EvaluationID), float64(aux.TotalLatencyMS)
	return nil
}

// ReputationBrief is the reputation summary returned with an evaluation.
type ReputationBrief struct {
	Score     int    `json:"score"`     // 0..1000
	Lifecycle string `json:"lifecycle"` // new, calibrating, active, mature
	EvalCount int    `json:"eval_count"`
}

// UnmarshalJSON decodes tolerantly (numbers as int or float).
func (r *ReputationBrief) UnmarshalJSON(b []byte) error {
	type alias ReputationBrief
	aux := struct {
		*alias
		Score     jsonInt `json:"score"`
		EvalCount jsonInt `json:"eval_count"`
	}{alias: (*alias)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.Score, r.EvalCount = int(aux.Score), int(aux.EvalCount)
	return nil
}

// UnmarshalJSON decodes tolerantly (numbers as int, float or string).
func (g *GateResult) UnmarshalJSON(b []byte) error {
	type alias GateResult
	aux := struct {
		*alias
		LatencyMS jsonFloat `json:"latency_ms"`
	}{alias: (*alias)(g)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	g.LatencyMS = float64(aux.LatencyMS)
	return nil
}

// IngestResult is the answer to an ingest batch.
type IngestResult struct {
	Accepted          int                `json:"accepted"`
	ReputationUpdates []ReputationUpdate `json:"reputation_updates"`
}

// UnmarshalJSON decodes tolerantly.
func (r *IngestResult) UnmarshalJSON(b []byte) error {
	type alias IngestResult
	aux := struct {
		*alias
		Accepted jsonInt `json:"accepted"`
	}{alias: (*alias)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.Accepted = int(aux.Accepted)
	return nil
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

// UnmarshalJSON decodes tolerantly and keeps the raw object.
func (u *ReputationUpdate) UnmarshalJSON(b []byte) error {
	var aux struct {
		AgentID   string  `json:"agent_id"`
		Score     jsonInt `json:"score"`
		Status    string  `json:"status"`
		Lifecycle string  `json:"lifecycle"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	u.AgentID, u.Score, u.Status = aux.AgentID, int(aux.Score), aux.Status
	if u.Status == "" {
		u.Status = aux.Lifecycle
	}
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

// UnmarshalJSON decodes tolerantly.
func (r *Reputation) UnmarshalJSON(b []byte) error {
	type alias Reputation
	aux := struct {
		*alias
		Score        jsonInt   `json:"score"`
		Evaluations  jsonInt   `json:"evaluations"`
		Passed       jsonInt   `json:"passed"`
		Streak       jsonInt   `json:"streak"`
		PassRate     jsonFloat `json:"pass_rate"`
		AvgLatencyMS jsonFloat `json:"avg_latency_ms"`
	}{alias: (*alias)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.Score, r.Evaluations, r.Passed, r.Streak = int(aux.Score), int(aux.Evaluations), int(aux.Passed), int(aux.Streak)
	r.PassRate, r.AvgLatencyMS = float64(aux.PassRate), float64(aux.AvgLatencyMS)
	return nil
}

// Agent is a registered agent.
type Agent struct {
	AgentID   string    `json:"agent_id"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	EvalCount int       `json:"eval_count"` // lifetime
}

// UnmarshalJSON decodes tolerantly.
func (a *Agent) UnmarshalJSON(b []byte) error {
	type alias Agent
	aux := struct {
		*alias
		EvalCount jsonInt `json:"eval_count"`
	}{alias: (*alias)(a)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	a.EvalCount = int(aux.EvalCount)
	return nil
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

// UnmarshalJSON decodes tolerantly (ids as string or number).
func (e *StoredEvent) UnmarshalJSON(b []byte) error {
	type alias StoredEvent
	aux := struct {
		*alias
		ID              jsonString `json:"id"`
		TotalLatencyMS  jsonFloat  `json:"total_latency_ms"`
		ReputationScore jsonInt    `json:"reputation_score"`
	}{alias: (*alias)(e)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	e.ID, e.TotalLatencyMS, e.ReputationScore = string(aux.ID), float64(aux.TotalLatencyMS), int(aux.ReputationScore)
	return nil
}

// EventPage is one page of GET /v1/events.
type EventPage struct {
	Events []StoredEvent `json:"events"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
	Count  int           `json:"count"` // Count < Limit marks the last page
}

// UnmarshalJSON decodes tolerantly.
func (p *EventPage) UnmarshalJSON(b []byte) error {
	type alias EventPage
	aux := struct {
		*alias
		Limit  jsonInt `json:"limit"`
		Offset jsonInt `json:"offset"`
		Count  jsonInt `json:"count"`
	}{alias: (*alias)(p)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	p.Limit, p.Offset, p.Count = int(aux.Limit), int(aux.Offset), int(aux.Count)
	return nil
}
