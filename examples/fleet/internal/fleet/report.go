package fleet

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// BudgetEventsPerMinute is the documented org budget: 500 requests of 100
// events per minute.
const BudgetEventsPerMinute = 500 * 100

// Report adds up a fleet run.
type Report struct {
	Opts     Options
	Children []*ChildResult

	Offered, Tracked, Sampled, Sent, Unconf, Dropped, Pending, Limited uint64
	ByReason                                                           map[string]uint64
	Fallbacks                                                          int

	// From the embedded server (nil against a real one).
	Server *ServerView
	Agents []AgentRow
}

// ServerView is what the embedded pectatest server saw.
type ServerView struct {
	IngestRequests int // POST /v1/ingest requests, 429s included
	RateLimited    int // of which answered 429
	Batches        int // accepted
	Events         int // accepted events
}

// AgentRow compares one agent's truth with what the server received.
type AgentRow struct {
	Name                 string
	Offered, TruePassed  uint64
	Delivered, DelPassed uint64
	Rate                 float64 // SampleRate at the end, averaged over the processes
}

// TruePass is the agent's pass rate over every offered event.
func (a AgentRow) TruePass() float64 { return ratio(a.TruePassed, a.Offered) }

// DeliveredPass is its pass rate over the events the server received.
func (a AgentRow) DeliveredPass() float64 { return ratio(a.DelPassed, a.Delivered) }

func ratio(a, b uint64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// NewReport adds up the children's results, and what srv received when
// srv is not nil.
func NewReport(o Options, children []*ChildResult, srv *pectatest.Server) *Report {
	r := &Report{Opts: o, Children: children, ByReason: map[string]uint64{}}
	rows := map[string]*AgentRow{}
	row := func(name string) *AgentRow {
		if rows[name] == nil {
			rows[name] = &AgentRow{Name: name}
		}
		return rows[name]
	}
	for _, c := range children {
		if c == nil {
			continue
		}
		for a, n := range c.Offered {
			r.Offered += n
			row(a).Offered += n
			row(a).TruePassed += c.Passed[a]
			row(a).Rate += c.Rates[a] / float64(len(children))
		}
		r.Tracked += c.Tracked
		r.Sent += c.Sent
		r.Unconf += c.Unconf
		r.Dropped += c.Dropped
		r.Pending += c.Pending
		r.Limited += c.Limited
		for k, v := range c.ByReason {
			r.ByReason[k] += v
		}
		if c.Fallback {
			r.Fallbacks++
		}
	}
	r.Sampled = r.ByReason[telemetry.ReasonSampled]
	if srv != nil {
		st := srv.Stats()
		v := &ServerView{RateLimited: st.RateLimited, Batches: st.IngestBatches, Events: st.IngestedEvents}
		for _, q := range srv.Requests() {
			if q.Path == "/v1/ingest" {
				v.IngestRequests++
			}
		}
		r.Server = v
		for _, ev := range srv.Ingested() {
			a := row(ev.AgentID)
			a.Delivered++
			if ev.Passed {
				a.DelPassed++
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rows)) {
		r.Agents = append(r.Agents, *rows[k])
	}
	return r
}

// Unaccounted returns an error naming every event the fleet cannot account
// for: offered but not tracked, tracked but neither sent nor dropped by a
// reason, or sent but not received by the embedded server.
func (r *Report) Unaccounted() error {
	var errs []error
	for _, c := range r.Children {
		if c == nil {
			errs = append(errs, errors.New("a child reported nothing"))
			continue
		}
		var offered, byReason uint64
		for _, n := range c.Offered {
			offered += n
		}
		for _, n := range c.ByReason {
			byReason += n
		}
		if c.Tracked != offered {
			errs = append(errs, fmt.Errorf("process %d: offered %d, tracked %d", c.Index, offered, c.Tracked))
		}
		if c.Tracked != c.Sent+c.Unconf+c.Dropped || c.Pending != 0 {
			errs = append(errs, fmt.Errorf("process %d: tracked %d != sent %d + unconfirmed %d + dropped %d (pending %d)",
				c.Index, c.Tracked, c.Sent, c.Unconf, c.Dropped, c.Pending))
		}
		if byReason != c.Dropped {
			errs = append(errs, fmt.Errorf("process %d: dropped %d, by reason %d", c.Index, c.Dropped, byReason))
		}
	}
	if r.Server != nil && uint64(r.Server.Events) < r.Sent {
		errs = append(errs, fmt.Errorf("the server received %d events, the emitters say they sent %d", r.Server.Events, r.Sent))
	}
	return errors.Join(errs...)
}

// Minutes is the length of the offering phase, in minutes.
func (r *Report) Minutes() float64 {
	var longest float64
	for _, c := range r.Children {
		if c != nil {
			longest = max(longest, c.Elapsed.Minutes())
		}
	}
	return longest
}

// BudgetShare is the events delivered per minute of the run over the
// documented budget (50,000 events per minute).
func (r *Report) BudgetShare() float64 {
	return float64(r.Sent) / r.Minutes() / BudgetEventsPerMinute
}

// Print writes the fleet totals.
func (r *Report) Print(w io.Writer) {
	mode := "AIMD (no shared state)"
	if r.Opts.RedisAddr != "" {
		mode = "redis budget at " + r.Opts.RedisAddr
	}
	fmt.Fprintf(w, "fleet: %d processes x %d events/s for %v, %d agents, %s\n",
		r.Opts.Procs, r.Opts.QPS, r.Opts.Duration, max(r.Opts.Agents, 1), mode)
	fmt.Fprintf(w, "  offered   %10d\n", r.Offered)
	fmt.Fprintf(w, "  kept      %10d  (%.2f%% of offered; the rest sampled out)\n", r.Tracked-r.Sampled, pct(r.Tracked-r.Sampled, r.Offered))
	fmt.Fprintf(w, "  delivered %10d  (%.0f events/min = %.1f%% of the 50,000/min budget over %.2f min)\n",
		r.Sent, float64(r.Sent)/r.Minutes(), 100*r.BudgetShare(), r.Minutes())
	var reasons []string
	for _, k := range slices.Sorted(maps.Keys(r.ByReason)) {
		reasons = append(reasons, fmt.Sprintf("%s=%d", k, r.ByReason[k]))
	}
	fmt.Fprintf(w, "  dropped   %10d  (%s)\n", r.Dropped, strings.Join(reasons, " "))
	if r.Unconf > 0 {
		fmt.Fprintf(w, "  unconfirmed %8d  (2xx answers that did not confirm a count)\n", r.Unconf)
	}
	fmt.Fprintf(w, "  429s seen by the emitters: %d; budget fallbacks: %d\n", r.Limited, r.Fallbacks)
	if s := r.Server; s != nil {
		fmt.Fprintf(w, "  server: %d ingest requests, %d answered 429 (%.2f%%), %d accepted carrying %d events (%.1f per request)\n",
			s.IngestRequests, s.RateLimited, 100*float64(s.RateLimited)/math.Max(1, float64(s.IngestRequests)),
			s.Batches, s.Events, float64(s.Events)/math.Max(1, float64(s.Batches)))
	}
	for _, c := range r.Children {
		if c == nil {
			continue
		}
		fmt.Fprintf(w, "  process %d: tracked %d sent %d dropped %d kept %.2f%% 429s %d budget %s close %v %s\n",
			c.Index, c.Tracked, c.Sent, c.Dropped, 100*c.Kept, c.Limited, c.Budget, c.CloseDur.Round(1e6), c.CloseErr)
	}
	fmt.Fprintf(w, "  %-16s %9s %9s %10s %9s %9s\n", "agent", "offered", "delivered", "rate(end)", "pass", "pass(rx)")
	for _, a := range r.Agents {
		fmt.Fprintf(w, "  %-16s %9d %9d %10.4f %9.4f %9.4f\n", a.Name, a.Offered, a.Delivered, a.Rate, a.TruePass(), a.DeliveredPass())
	}
}

func pct(a, b uint64) float64 { return 100 * ratio(a, b) }
