package retry

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestBackoffGrowsJitteredAndCapped(t *testing.T) {
	p := Policy{MinWait: 100 * time.Millisecond, MaxWait: time.Second}
	for i := 0; i < 200; i++ {
		if d := p.Backoff(0); d < 50*time.Millisecond || d > 150*time.Millisecond {
			t.Fatalf("attempt 0 wait %v outside [50ms,150ms]", d)
		}
		if d := p.Backoff(2); d < 200*time.Millisecond || d > 600*time.Millisecond {
			t.Fatalf("attempt 2 wait %v outside [200ms,600ms]", d)
		}
		if d := p.Backoff(30); d > time.Second {
			t.Fatalf("attempt 30 wait %v beyond the 1s cap", d)
		}
	}
}

func TestDelayRetryAfterIsCappedFloor(t *testing.T) {
	p := Policy{MinWait: 10 * time.Millisecond, MaxWait: 20 * time.Millisecond, RetryAfterCap: 2 * time.Second}
	if d := p.Delay(0, time.Second); d < time.Second || d > 1100*time.Millisecond {
		t.Errorf("Retry-After 1s gave %v", d)
	}
	for range 100 {
		if d := p.Delay(0, 484289*time.Hour); d != 2*time.Second {
			t.Fatalf("huge Retry-After not capped at exactly 2s: %v", d)
		}
		if d := p.Delay(0, 1900*time.Millisecond); d < 1900*time.Millisecond || d > 2*time.Second {
			t.Fatalf("Retry-After below the cap, jittered past it: %v", d)
		}
	}
	if d := p.Delay(0, 0); d > 30*time.Millisecond {
		t.Errorf("no hint gave %v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 1.5 ", 1500 * time.Millisecond, true},
		{"-4", 0, true},
		{"soon", 0, false},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"99999999999999", 1e9 * time.Second, true},
	}
	for _, c := range cases {
		got, ok := ParseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRetryAfter(%q) = %v,%v want %v,%v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestSleepEndsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("Sleep = %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep = %v", err)
	}
}

func TestFitsDeadline(t *testing.T) {
	if !FitsDeadline(context.Background(), time.Hour) {
		t.Error("no deadline must fit")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if FitsDeadline(ctx, 10*time.Second) {
		t.Error("10s wait fits 1s deadline")
	}
	if !FitsDeadline(ctx, time.Millisecond) {
		t.Error("1ms wait does not fit 1s deadline")
	}
}
