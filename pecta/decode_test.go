package pecta

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The API's answers are decoded tolerantly where the reference is silent:
// numbers as int, float or string, ids as string or number, unknown fields
// ignored, null as absent.
func TestDecodeAnswers(t *testing.T) {
	var ev Evaluation
	err := decodeJSON([]byte(`{"evaluation_id":42,"passed":true,"total_latency_ms":"12.5",
		"gates":[{"name":"pii","passed":true,"latency_ms":"3"},{"name":"fs","latency_ms":null,"extra":1}],
		"reputation":{"score":712.0,"lifecycle":"active","eval_count":"120"},"unknown":{"x":[1]}}`), &ev)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EvaluationID != "42" || !ev.Passed || ev.TotalLatencyMS != 12.5 || len(ev.Gates) != 2 ||
		ev.Gates[0].LatencyMS != 3 || ev.Gates[1].Name != "fs" || ev.Reputation.Score != 712 || ev.Reputation.EvalCount != 120 {
		t.Errorf("decoded %+v", ev)
	}

	var page EventPage
	err = decodeJSON([]byte(`{"events":[{"id":7,"agent_id":"a","created_at":"2026-05-07T14:22:44.000Z","reputation_score":1.1e2}],"limit":"50","count":1}`), &page)
	if err != nil || page.Events[0].ID != "7" || page.Events[0].ReputationScore != 110 || page.Limit != 50 ||
		!page.Events[0].CreatedAt.Equal(time.Date(2026, 5, 7, 14, 22, 44, 0, time.UTC)) {
		t.Errorf("decoded %+v, %v", page, err)
	}

	var ck CreatedKey
	err = decodeJSON([]byte(`{"id":"key_1","name":"ci","type":"secret","key":"`+testSK+`","key_preview":"sk_live_...0Pp","scopes":["read"],"last_used_at":null}`), &ck)
	if err != nil || ck.ID != "key_1" || ck.Secret.Reveal() != testSK || ck.LastUsedAt != nil || len(ck.Scopes) != 1 {
		t.Errorf("decoded %+v, %v", ck, err)
	}

	var res IngestResult
	err = decodeJSON([]byte(`{"accepted":"3","reputation_updates":[{"agent_id":"a","score":"5","lifecycle":"new","more":true}]}`), &res)
	if err != nil || res.Accepted != 3 || len(res.ReputationUpdates) != 1 {
		t.Fatalf("decoded %+v, %v", res, err)
	}
	u := res.ReputationUpdates[0]
	if u.AgentID != "a" || u.Score != 5 || u.Status != "new" || !strings.Contains(string(u.Raw), `"more":true`) {
		t.Errorf("update %+v", u)
	}
}

func TestDecodeRefusals(t *testing.T) {
	for _, body := range []string{
		`{"score":"NaN"}`, `{"score":"Inf"}`, `{"score":1e300}`, `{"pass_rate":"NaN"}`, `{"avg_latency_ms":"-Inf"}`,
		`{"score":"high"}`, `{"score":true}`, `{"agent_id":true}`, `{"agent_id":{}}`, `{"passed":"yes"}`,
		`[]`, `"x"`, `{"agent_id":"a"`,
	} {
		var r Reputation
		if err := decodeJSON([]byte(body), &r); err == nil {
			t.Errorf("%s decoded to %+v", body, r)
		}
	}
	var page EventPage
	err := decodeJSON([]byte(`{"events":[{"id":"1"},{"id":"2","total_latency_ms":"slow"}]}`), &page)
	if err == nil || !strings.Contains(err.Error(), "events: [1]: total_latency_ms:") {
		t.Errorf("error %v does not name the field", err)
	}
	var ck CreatedKey
	if err := decodeJSON([]byte(`{"key":"sk_live_...0Pp"}`), &ck); !errors.Is(err, ErrKeyPreview) {
		t.Errorf("a preview decoded as a key: %v", err)
	}
}
