package telemetry

import (
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestDefaults(t *testing.T) {
	c := Config{PublishableKey: pecta.NewAPIKey(testPK)}
	s, err := c.settings()
	if err != nil {
		t.Fatal(err)
	}
	if s.batchSize != 100 || s.flushInterval != 5*time.Second || s.maxQueueBytes != 8<<20 ||
		s.overflow != DropNewest || s.sampleRate != 1 || s.requestsPerMin != 500 ||
		s.retryAfterCap != time.Minute || s.sampling != samplingAdaptive || s.budget == nil || s.baseURL != pecta.DefaultBaseURL || s.logger != nil {
		t.Fatalf("defaults %+v", s)
	}
}
