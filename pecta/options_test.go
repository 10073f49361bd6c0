package pecta

import (
	"context"
	"testing"
	"time"
)

// One convention for counts and durations: zero means the default, a
// negative count means none.
func TestMaxRetriesConvention(t *testing.T) {
	cases := []struct {
		opts     []Option
		attempts int
	}{
		{nil, 4},                                 // default: 3 retries
		{[]Option{WithMaxRetries(0)}, 4},         // zero: the default
		{[]Option{WithMaxRetries(NoRetries)}, 1}, // none
		{[]Option{WithMaxRetries(-7)}, 1},        // any negative: none
		{[]Option{WithMaxRetries(1)}, 2},
	}
	for _, c := range cases {
		s := newScript(t, reply(503, apiErr(503, "unavailable")))
		cl := newTestClient(t, s.URL, testPK, c.opts...)
		if _, err := cl.Agents.List(context.Background()); err == nil {
			t.Fatal("want an error")
		}
		if got := len(s.requests()); got != c.attempts {
			t.Errorf("%d options: %d attempts, want %d", len(c.opts), got, c.attempts)
		}
	}
}

func TestDurationOptionsConvention(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name     string
		opt      Option
		ok       bool
		min, max time.Duration // the resulting settings when ok
		cap      time.Duration
	}{
		{"wait defaults", WithRetryWait(0, 0), true, 250 * ms, 8 * time.Second, 0},
		{"wait default max", WithRetryWait(10*ms, 0), true, 10 * ms, 8 * time.Second, 0},
		{"wait default min below max", WithRetryWait(0, 100*ms), true, 100 * ms, 100 * ms, 0},
		{"wait set", WithRetryWait(ms, 5*ms), true, ms, 5 * ms, 0},
		{"wait negative min", WithRetryWait(-ms, 0), false, 0, 0, 0},
		{"wait negative max", WithRetryWait(0, -ms), false, 0, 0, 0},
		{"wait max below min", WithRetryWait(2*time.Second, time.Second), false, 0, 0, 0},
		{"cap default", WithRetryAfterCap(0), true, 0, 0, 30 * time.Second},
		{"cap set", WithRetryAfterCap(time.Second), true, 0, 0, time.Second},
		{"cap negative", WithRetryAfterCap(-time.Second), false, 0, 0, 0},
	}
	for _, c := range cases {
		var s settings
		err := c.opt(&s)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
			continue
		}
		if err == nil && (s.minWait != c.min || s.maxWait != c.max || s.retryAfterCap != c.cap) {
			t.Errorf("%s: min %v max %v cap %v", c.name, s.minWait, s.maxWait, s.retryAfterCap)
		}
	}
}
