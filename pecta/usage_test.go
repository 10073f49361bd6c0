package pecta_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

// frozen is a clock that never moves: every audited request shares one
// timestamp, the hardest case for a walk pinned to a timestamp.
func frozen() time.Time { return time.Date(2026, 5, 7, 14, 22, 44, 0, time.UTC) }

// AllUsageLogs yields every entry that existed when the walk started, once,
// although each of its own requests is audited at the instant it pinned.
func TestAllUsageLogsWalksEveryEntryOnce(t *testing.T) {
	srv := pectatest.NewServer(pectatest.WithClock(frozen), pectatest.WithoutRateLimits())
	defer srv.Close()
	ctx := context.Background()
	user, admin := srv.Client(), srv.AdminClient()
	for range 250 {
		if _, err := user.Agents.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{0, 7, 100} {
		seen := map[string]bool{}
		n := 0
		for l, err := range admin.Keys.AllUsageLogs(ctx, pecta.UsageLogParams{Limit: limit}) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[l.ID] {
				t.Fatalf("limit %d: %s yielded twice", limit, l.ID)
			}
			seen[l.ID] = true
			if l.Path == "/v1/agents" {
				n++
			}
		}
		if n != 250 {
			t.Errorf("limit %d: %d of the 250 agent requests yielded", limit, n)
		}
	}
}

func TestAllUsageLogsRange(t *testing.T) {
	now := time.Date(2026, 5, 7, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := pectatest.NewServer(pectatest.WithClock(func() time.Time { return clock() }))
	defer srv.Close()
	ctx := context.Background()
	id, key := srv.CreateKey("audited", "publishable")
	user, err := pecta.NewClient(key.Reveal(), pecta.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	start := now
	for range 10 { // one request a minute
		if _, err := user.Reputation(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
	}
	admin := srv.AdminClient()
	var got []time.Time
	p := pecta.UsageLogParams{APIKeyID: id, From: start.Add(2 * time.Minute), To: start.Add(5 * time.Minute), Limit: 2}
	for l, err := range admin.Keys.AllUsageLogs(ctx, p) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l.Timestamp)
	}
	if len(got) != 4 || !got[0].Equal(start.Add(5*time.Minute)) || !got[3].Equal(start.Add(2*time.Minute)) {
		t.Errorf("range walk = %v", got)
	}
	// a publishable client is refused before any request; bad params are
	// refused locally
	for _, err := range user.Keys.AllUsageLogs(ctx, pecta.UsageLogParams{}) {
		if !errors.Is(err, pecta.ErrSecretKeyRequired) || !errors.Is(err, pecta.ErrForbidden) {
			t.Errorf("publishable client: %v", err)
		}
	}
	for _, bad := range []pecta.UsageLogParams{{Limit: 101}, {Offset: -1}, {From: now, To: start}} {
		if _, err := admin.Keys.UsageLogs(ctx, bad); !errors.Is(err, pecta.ErrValidation) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}
}
