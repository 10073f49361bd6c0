package pectatest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Ingest limits.
const (
	maxIngestEvents = 100
	maxGates        = 50
)

// handleIngest serves POST /v1/ingest: signature, then the whole batch is validated before
// anything is stored (one invalid event rejects the batch).
func (s *Server) handleIngest(w http.ResponseWriter, c *call) {
	signed := false
	if sig, ok := signatureHeader(c.r); ok {
		if _, e := s.verifySignature(sig, c.body); e != nil {
			writeError(w, e)
			return
		}
		signed = true
	}

	events, e := parseIngest(c.body)
	if e != nil {
		writeError(w, e)
		return
	}

	now := s.now()
	type update struct {
		AgentID string `json:"agent_id"`
		Score   int    `json:"score"`
		Status  string `json:"status"`
	}
	var updates []update
	seen := make(map[string]int)

	s.mu.Lock()
	for _, ev := range events {
		a := s.observeLocked(ev.AgentID, outcome{passed: ev.Passed, latencyMS: ev.TotalLatencyMS}, now)
		rep := computeReputation(a.id, a.window)
		created := ev.Timestamp
		if created.IsZero() {
			created = now
		}
		s.storeEventLocked(storedEvent{
			agentID: ev.AgentID, createdAt: created, passed: ev.Passed, gates: ev.Gates,
			totalLatencyMS: ev.TotalLatencyMS, tool: ev.Tool, reputationScore: rep.Score,
		})
		s.ingested = append(s.ingested, ev)
		u := update{AgentID: ev.AgentID, Score: rep.Score, Status: rep.Status}
		if i, ok := seen[ev.AgentID]; ok {
			updates[i] = u
		} else {
			seen[ev.AgentID] = len(updates)
			updates = append(updates, u)
		}
	}
	s.stats.IngestBatches++
	s.stats.IngestedEvents += len(events)
	if signed {
		s.stats.SignedBatches++
	}
	s.mu.Unlock()

	writeJSON(w, http.StatusAccepted, map[string]any{"accepted": len(events), "reputation_updates": updates})
}

// parseIngest validates {"events": [...]} and returns the events.
func parseIngest(body []byte) ([]IngestedEvent, *apiError) {
	o, e := parseBody(body)
	if e != nil {
		return nil, e
	}
	if !o.has("events") {
		return nil, validation(fmt.Sprintf("events: is required (1..%d events)", maxIngestEvents))
	}
	raws, e := o.array("", "events")
	if e != nil {
		return nil, e
	}
	if len(raws) < 1 || len(raws) > maxIngestEvents {
		return nil, validation(fmt.Sprintf("events: must hold 1..%d events, got %d", maxIngestEvents, len(raws)))
	}
	out := make([]IngestedEvent, len(raws))
	for i, raw := range raws {
		ev, e := parseEvent(raw, fmt.Sprintf("events[%d]", i))
		if e != nil {
			return nil, e
		}
		out[i] = ev
	}
	return out, nil
}

// parseEvent validates one ingest event. input, output and gate details are refused: only
// metadata may be sent. Unknown fields are ignored.
func parseEvent(raw json.RawMessage, path string) (IngestedEvent, *apiError) {
	ev := IngestedEvent{Raw: append(json.RawMessage(nil), raw...)}
	o, e := asObject(raw, path)
	if e != nil {
		return ev, e
	}
	for _, banned := range []string{"input", "output"} {
		if _, ok := o[banned]; ok {
			return ev, validation(field(path, banned) + ": must not be sent; ingest takes metadata only")
		}
	}
	if ev.AgentID, e = o.str(path, "agent_id", 1, 200); e != nil {
		return ev, e
	}
	if ev.Tool, e = o.str(path, "tool", 0, 200); e != nil {
		return ev, e
	}
	gates, e := o.array(path, "gates")
	if e != nil {
		return ev, e
	}
	if len(gates) > maxGates {
		return ev, validation(fmt.Sprintf("%s: must hold at most %d gates", field(path, "gates"), maxGates))
	}
	allPassed := true
	for j, graw := range gates {
		g, e := parseGate(graw, fmt.Sprintf("%s.gates[%d]", path, j))
		if e != nil {
			return ev, e
		}
		allPassed = allPassed && (g.Passed || g.Skipped)
		ev.Gates = append(ev.Gates, g)
	}
	passed, present, e := o.boolean(path, "passed")
	if e != nil {
		return ev, e
	}
	ev.Passed = passed
	if !present {
		ev.Passed = allPassed
	}
	if ev.TotalLatencyMS, _, e = o.num(path, "total_latency_ms", 0, math.Inf(1)); e != nil {
		return ev, e
	}
	var ts time.Time
	if ts, e = o.timestamp(path, "timestamp"); e != nil {
		return ev, e
	}
	ev.Timestamp = ts
	return ev, nil
}

// parseGate validates one GateResult.
func parseGate(raw json.RawMessage, path string) (Gate, *apiError) {
	var g Gate
	o, e := asObject(raw, path)
	if e != nil {
		return g, e
	}
	if _, ok := o["details"]; ok {
		return g, validation(field(path, "details") + ": must not be sent; ingest takes metadata only")
	}
	if g.Name, e = o.str(path, "name", 1, 200); e != nil {
		return g, e
	}
	if g.Passed, _, e = o.boolean(path, "passed"); e != nil {
		return g, e
	}
	if g.LatencyMS, _, e = o.num(path, "latency_ms", 0, math.Inf(1)); e != nil {
		return g, e
	}
	if g.Reason, e = o.str(path, "reason", 0, 500); e != nil {
		return g, e
	}
	if g.Skipped, _, e = o.boolean(path, "skipped"); e != nil {
		return g, e
	}
	return g, nil
}
