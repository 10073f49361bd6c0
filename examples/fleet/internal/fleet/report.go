package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// The organisation's ingest budget, as documented: at most BudgetRequests
// POST /v1/ingest requests in any rolling BudgetWindow, for all its
// processes together, of at most pecta.MaxBatchEvents events each. A run
// shorter than the window may use all of it.
const (
	BudgetRequests = pectatest.DefaultIngestPerMinute
	BudgetWindow   = time.Minute
)

// Report adds up a fleet run.
type Report struct {
	Opts     Options
	Children []*ChildResult

	Offered, Tracked, Sampled, Sent, Unconf, Dropped, Pending, Limited uint64
	Batches                                                            uint64 // requests accepted, as the emitters counted them
	ByReason                                                           map[string]uint64
	Fallbacks                                                          int
	Span                                                               time.Duration // the longest process's offering and Close

	// From the embedded server (nil against a real one).
	Server *ServerView
	Agents []AgentRow
	// Bins are the server's ingest answers per Opts.Bin from the fleet's
	// start (nil without a server or Opts.Bin); Gap is the longest time
	// with no accepted ingest request between the fleet's start and the
	// last accepted one.
	Bins []Bin
	Gap  Gap
	// JoinGap is the longest gap that ends after Opts.JoinAt, when
	// processes join.
	JoinGap Gap
	// InRun is what the server accepted while the processes offered
	// events (from the fleet's start for Opts.Duration).
	InRun Bin
}

// Bin counts the ingest requests the server received in [From, From+Opts.Bin).
type Bin struct {
	From     time.Duration // since the fleet's start
	Requests int           // ingest requests received, 429s included
	Accepted int           // answered 2xx
	Limited  int           // answered 429
	Events   int           // events in the accepted requests
}

// Gap is a time with no accepted ingest request.
type Gap struct {
	From, To time.Duration // since the fleet's start
}

// Len is the gap's length.
func (g Gap) Len() time.Duration { return g.To - g.From }

// ServerView is what the embedded pectatest server saw.
type ServerView struct {
	IngestRequests int // POST /v1/ingest requests, 429s included
	RateLimited    int // of which answered 429
	Batches        int // accepted
	Events         int // accepted events
	// Busiest is the most requests accepted within one BudgetWindow,
	// the quantity the budget bounds.
	Busiest int
	// First429 is when the first 429 was answered, counted from the first
	// ingest request; -1 if there was none.
	First429 time.Duration
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
		r.Batches += c.Batches
		r.Span = max(r.Span, c.Elapsed+c.CloseDur)
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
		v := &ServerView{RateLimited: st.RateLimited, Batches: st.IngestBatches, Events: st.IngestedEvents, First429: -1}
		var first time.Time
		var accepted []time.Time
		for _, q := range srv.Requests() {
			if q.Path != "/v1/ingest" {
				continue
			}
			v.IngestRequests++
			if first.IsZero() {
				first = q.Received
			}
			switch {
			case q.Status/100 == 2:
				accepted = append(accepted, q.Received)
			case q.Status == 429 && v.First429 < 0:
				v.First429 = q.Received.Sub(first)
			}
		}
		v.Busiest = busiest(accepted, BudgetWindow)
		r.Server = v
		r.bin(srv.Requests())
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

// bin fills Bins, Gap and InRun from the requests the server received.
func (r *Report) bin(reqs []pectatest.Request) {
	var origin time.Time
	for _, c := range r.Children {
		if c != nil && !c.Joined && (origin.IsZero() || c.Start.Before(origin)) {
			origin = c.Start
		}
	}
	if origin.IsZero() {
		return
	}
	last := time.Duration(0) // the last accepted request
	for _, q := range reqs {
		if q.Path != "/v1/ingest" || q.Status == 0 {
			continue
		}
		at := q.Received.Sub(origin)
		b := Bin{Requests: 1}
		switch {
		case q.Status == 429:
			b.Limited = 1
		case q.Status/100 == 2:
			b.Accepted = 1
			var body struct{ Events []json.RawMessage }
			if json.Unmarshal(q.Body, &body) == nil {
				b.Events = len(body.Events)
			}
			g := Gap{From: last, To: at}
			if g.Len() > r.Gap.Len() {
				r.Gap = g
			}
			if r.Opts.Joiners > 0 && g.To > r.Opts.JoinAt && g.Len() > r.JoinGap.Len() {
				r.JoinGap = g
			}
			last = max(last, at)
		}
		if at < r.Opts.Duration {
			r.InRun.add(b)
		}
		if w := r.Opts.Bin; w > 0 && at >= 0 {
			i := int(at / w)
			for len(r.Bins) <= i {
				r.Bins = append(r.Bins, Bin{From: time.Duration(len(r.Bins)) * w})
			}
			r.Bins[i].add(b)
		}
	}
}

func (b *Bin) add(o Bin) {
	b.Requests += o.Requests
	b.Accepted += o.Accepted
	b.Limited += o.Limited
	b.Events += o.Events
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

// busiest returns the most times within one window (times in order).
func busiest(times []time.Time, window time.Duration) int {
	slices.SortFunc(times, time.Time.Compare)
	most, lo := 0, 0
	for hi, t := range times {
		for t.Sub(times[lo]) >= window {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}

// ShutdownExpected reports whether drops at c's Close (reason "shutdown")
// are what this run shows rather than a failure: without a shared budget
// (no -redis) no process knows its share, and a fleet that fills the
// window fast (too many processes for the slow start, or a server limit
// below the one configured) gets a 429 with a Retry-After that can outlast
// the run and the Close deadline. c was still paused by such a 429 when
// Close began. With a shared budget there is no such pause.
func (r *Report) ShutdownExpected(c *ChildResult) bool {
	return r.Opts.RedisAddr == "" && c.PausedAtClose > 0
}

// Check returns an error for everything that went wrong in the run: events
// unaccounted for (Unaccounted), and events dropped for another reason
// than sampling, or at shutdown where ShutdownExpected does not say so.
func (r *Report) Check() error {
	errs := []error{r.Unaccounted()}
	for _, c := range r.Children {
		if c == nil {
			continue
		}
		unexpected := false
		for _, reason := range slices.Sorted(maps.Keys(c.ByReason)) {
			n := c.ByReason[reason]
			if n == 0 || reason == telemetry.ReasonSampled || reason == telemetry.ReasonShutdown && r.ShutdownExpected(c) {
				continue
			}
			unexpected = true
			errs = append(errs, fmt.Errorf("process %d: %d events dropped (%s)", c.Index, n, reason))
		}
		if c.CloseErr != "" && !unexpected && !r.ShutdownExpected(c) {
			errs = append(errs, fmt.Errorf("process %d: %s", c.Index, c.CloseErr))
		}
	}
	return errors.Join(errs...)
}

// Print writes the fleet totals.
func (r *Report) Print(w io.Writer) {
	mode := "AIMD (no shared state)"
	if r.Opts.RedisAddr != "" {
		mode = "redis budget at " + r.Opts.RedisAddr
	}
	fmt.Fprintf(w, "fleet: %d processes x %d events/s for %v, %d agents, %s\n",
		r.Opts.Procs, r.Opts.QPS, r.Opts.Duration, max(r.Opts.Agents, 1), mode)
	fmt.Fprintf(w, "budget: %d requests of up to %d events (%d events) per rolling %.0f s, for all processes together\n",
		BudgetRequests, pecta.MaxBatchEvents, BudgetRequests*pecta.MaxBatchEvents, BudgetWindow.Seconds())
	if r.Opts.Joiners > 0 {
		fmt.Fprintf(w, "  %d of them join at %v (the others settled)\n", r.Opts.Joiners, r.Opts.JoinAt)
	}
	fmt.Fprintf(w, "  offered   %10d\n", r.Offered)
	fmt.Fprintf(w, "  kept      %10d  (%.2f%% of offered; the rest sampled out)\n", r.Tracked-r.Sampled, pct(r.Tracked-r.Sampled, r.Offered))
	fmt.Fprintf(w, "  delivered %10d  in %d requests, over %.1f s (the offering, then Close)\n",
		r.Sent, r.Batches, r.Span.Seconds())
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
		fmt.Fprintf(w, "  server: %d ingest requests, %d answered 429", s.IngestRequests, s.RateLimited)
		if s.First429 >= 0 {
			fmt.Fprintf(w, " (the first %.1f s after the first request)", s.First429.Seconds())
		}
		fmt.Fprintf(w, ", %d accepted carrying %d events (%.1f per request)\n",
			s.Batches, s.Events, float64(s.Events)/math.Max(1, float64(s.Batches)))
		fmt.Fprintf(w, "  budget used: %d requests accepted in the busiest %.0f s = %.1f%% of the %d allowed\n",
			s.Busiest, BudgetWindow.Seconds(), 100*float64(s.Busiest)/BudgetRequests, BudgetRequests)
	}
	if r.Server != nil && r.InRun.Requests > 0 {
		limit := BudgetRequests * r.Opts.Duration.Seconds() / BudgetWindow.Seconds()
		fmt.Fprintf(w, "  in the run's %v: %d requests accepted (%.1f%% of %d per %.0f s), %d answered 429, %d events accepted; longest gap with no accepted request %.1f s (%.1f-%.1f s)\n",
			r.Opts.Duration, r.InRun.Accepted, 100*float64(r.InRun.Accepted)/limit, BudgetRequests, BudgetWindow.Seconds(),
			r.InRun.Limited, r.InRun.Events, r.Gap.Len().Seconds(), r.Gap.From.Seconds(), r.Gap.To.Seconds())
	}
	if r.Server != nil && r.Opts.Joiners > 0 {
		fmt.Fprintf(w, "  longest gap with no accepted request after the join: %.1f s (%.1f-%.1f s)\n",
			r.JoinGap.Len().Seconds(), r.JoinGap.From.Seconds(), r.JoinGap.To.Seconds())
	}
	r.PrintBins(w)
	var expected, shutdown uint64
	var longest time.Duration
	for _, c := range r.Children {
		if c == nil {
			continue
		}
		fmt.Fprintf(w, "  process %d: tracked %d sent %d dropped %d kept %.2f%% 429s %d budget %s", c.Index, c.Tracked, c.Sent, c.Dropped, 100*c.Kept, c.Limited, c.Budget)
		if c.PausedAtClose > 0 {
			fmt.Fprintf(w, " paused %.1f s more at Close", c.PausedAtClose.Seconds())
		}
		fmt.Fprintf(w, " close %v %s\n", c.CloseDur.Round(time.Millisecond), c.CloseErr)
		shutdown += c.ByReason[telemetry.ReasonShutdown]
		if r.ShutdownExpected(c) {
			expected += c.ByReason[telemetry.ReasonShutdown]
			longest = max(longest, c.PausedAtClose)
		}
	}
	fmt.Fprintf(w, "  %-16s %9s %9s %10s %9s %9s\n", "agent", "offered", "delivered", "rate(end)", "pass", "pass(rx)")
	for _, a := range r.Agents {
		fmt.Fprintf(w, "  %-16s %9d %9d %10.4f %9.4f %9.4f\n", a.Name, a.Offered, a.Delivered, a.Rate, a.TruePass(), a.DeliveredPass())
	}
	if expected > 0 {
		fmt.Fprintf(w, "expected: %d events dropped at shutdown. Without shared state no process knows its share of the budget;\n"+
			"together they filled the window, and the server's 429 was still pausing them when Close began\n"+
			"(for up to %.0f s more; the Close deadline is %.0f s). With a shared budget (-redis) the fleet stays\n"+
			"within the window and drops nothing at shutdown.\n",
			expected, longest.Seconds(), CloseTimeout.Seconds())
	}
	if shutdown > expected {
		fmt.Fprintf(w, "NOT expected: %d events dropped at shutdown by processes the server was not pausing\n", shutdown-expected)
	}
}

// PrintBins writes the bins, one line each.
func (r *Report) PrintBins(w io.Writer) {
	if len(r.Bins) == 0 {
		return
	}
	fmt.Fprintf(w, "  %v bins from the fleet's start (server side):\n", r.Opts.Bin)
	fmt.Fprintf(w, "  %9s %9s %6s %8s\n", "t(s)", "accepted", "429s", "events")
	for _, b := range r.Bins {
		fmt.Fprintf(w, "  %4.0f-%-4.0f %9d %6d %8d\n", b.From.Seconds(), (b.From + r.Opts.Bin).Seconds(), b.Accepted, b.Limited, b.Events)
	}
}

func pct(a, b uint64) float64 { return 100 * ratio(a, b) }
