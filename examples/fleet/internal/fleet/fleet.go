package fleet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
	"github.com/pecta-ai/pecta-go/telemetry/redisbudget"
)

// EnvChild carries a child's Options (JSON) to the child process.
const EnvChild = "PECTA_FLEET_CHILD"

// CloseTimeout is the Close deadline every child gives its emitter: the
// one README documents.
const CloseTimeout = 10 * time.Second

// Options describe one child, or (Procs) the fleet.
type Options struct {
	Procs    int           // processes in the fleet
	Index    int           // this child's index (set by Run)
	QPS      int           // events offered per second by each process
	Duration time.Duration // how long each process offers them
	Agents   int           // agent IDs the events are spread over (Zipf)
	// Joiners of the Procs processes (the last ones) start JoinAt after
	// the others and offer events until the others stop (a rolling
	// deploy: Duration-JoinAt each); 0: every process starts at once.
	Joiners int
	JoinAt  time.Duration
	// Bin is the width of the report's time bins (Report.Bins); 0: none.
	Bin       time.Duration
	RedisAddr string // share the budget through this Redis; empty: AIMD
	// RedisTimeout is redisbudget.Config.Timeout (0: its default); tests
	// on a loaded machine raise it so that a slow answer is no fallback.
	RedisTimeout time.Duration
	BaseURL      string
	PK, SK       string
}

// ChildResult is what one child reports.
type ChildResult struct {
	Index    int
	Joined   bool              // started JoinAt after the others
	Start    time.Time         // when it began to offer events (wall clock)
	Offered  map[string]uint64 // events offered to Track, per agent
	Passed   map[string]uint64 // of which passed (the truth)
	Rates    map[string]float64
	Tracked  uint64
	Sent     uint64
	Unconf   uint64 // 2xx answers that did not confirm a count (Stats.Unconfirmed)
	Dropped  uint64
	ByReason map[string]uint64
	Pending  uint64
	Limited  uint64  // 429 answers its budget observed
	Rate     float64 // its budget's request rate at the end
	Kept     float64
	Fallback bool   // the Redis budget fell back to AIMD
	Batches  uint64 // requests the server accepted (Stats.Batches)
	// PausedAtClose is how much was left of a pause the server ordered
	// (429 Retry-After) when Close began; zero if none.
	PausedAtClose time.Duration
	CloseErr      string // Close's error, if any
	Elapsed       time.Duration
	CloseDur      time.Duration
	Budget        string
}

// agentName and passRate define the simulated agents: agent k offers a
// share proportional to 1/(k+1) and passes with a rate of its own.
func agentName(k int) string { return "bidder-agent-" + strconv.Itoa(k) }

// PassRate is agent k's true pass rate.
func PassRate(k int) float64 { return 0.55 + 0.4*float64((k*7)%10)/10 }

// RunChild runs one child in this process and returns its result.
func RunChild(o Options) (*ChildResult, error) {
	cfg := telemetry.Config{
		PublishableKey: pecta.NewAPIKey(o.PK),
		SecretKey:      pecta.NewAPIKey(o.SK),
		BaseURL:        o.BaseURL,
		FlushInterval:  time.Second,
	}
	var rdb *redis.Client
	if o.RedisAddr != "" {
		rdb = redis.NewClient(&redis.Options{Addr: o.RedisAddr, ContextTimeoutEnabled: true, MaxRetries: -1, DialTimeout: 250 * time.Millisecond})
		defer rdb.Close()
		b, err := redisbudget.New(redisbudget.Config{Client: rdb, Timeout: o.RedisTimeout})
		if err != nil {
			return nil, err
		}
		cfg.Budget = b
	}
	em, err := telemetry.New(cfg)
	if err != nil {
		return nil, err
	}
	agents := max(o.Agents, 1)
	cum := make([]float64, agents) // Zipf weights, cumulative
	var total float64
	for k := range agents {
		total += 1 / float64(k+1)
		cum[k] = total
	}
	names := make([]string, agents)
	for k := range names {
		names[k] = agentName(k)
	}
	offered := make([]uint64, agents)
	passed := make([]uint64, agents)
	rng := rand.New(rand.NewPCG(uint64(o.Index)+1, 42))
	ev := &pecta.Event{Tool: "bid", Gates: make([]pecta.GateResult, 3)}

	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	var n uint64
	for now := start; now.Sub(start) < o.Duration; now = <-tick.C {
		due := uint64(now.Sub(start).Seconds() * float64(o.QPS))
		for ; n < due; n++ {
			x := rng.Float64() * total
			k := sort.SearchFloat64s(cum, x)
			k = min(k, agents-1)
			ok := rng.Float64() < PassRate(k)
			ev.AgentID = names[k]
			ev.Passed = ok
			ev.TotalLatencyMS = 1 + rng.Float64()
			ev.Gates[0] = pecta.GateResult{Name: "budget", Passed: true, LatencyMS: 0.01}
			ev.Gates[1] = pecta.GateResult{Name: "brand_safety", Passed: ok, LatencyMS: 0.05}
			ev.Gates[2] = pecta.GateResult{Name: "floor", Passed: true, LatencyMS: 0.01}
			offered[k]++
			if ok {
				passed[k]++
			}
			_ = em.Track(ev) // every outcome is counted in Stats
		}
	}
	tick.Stop()
	elapsed := time.Since(start)
	r := &ChildResult{Index: o.Index, Joined: o.joiner(), Start: start, Offered: map[string]uint64{}, Passed: map[string]uint64{}, Rates: map[string]float64{}, Elapsed: elapsed}
	for k, name := range names {
		r.Offered[name] = offered[k]
		r.Passed[name] = passed[k]
		r.Rates[name] = em.AgentSampleRate(name)
	}
	if until := em.Stats().PausedUntil; !until.IsZero() {
		r.PausedAtClose = max(time.Until(until), 0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), CloseTimeout)
	defer cancel()
	t0 := time.Now()
	if err := em.Close(ctx); err != nil {
		r.CloseErr = err.Error()
	}
	r.CloseDur = time.Since(t0)
	st := em.Stats()
	r.Tracked, r.Sent, r.Unconf, r.Dropped, r.ByReason, r.Pending = st.Tracked, st.Sent, st.Unconfirmed, st.Dropped, st.DroppedByReason, st.Pending
	r.Limited, r.Kept, r.Fallback, r.Budget = st.Budget.Limited, st.KeptFraction, st.Budget.Fallback, st.Budget.Name
	r.Rate, r.Batches = st.Budget.Rate, st.Batches
	return r, nil
}

// joiner reports whether child o.Index is one of the o.Joiners that start
// late.
func (o Options) joiner() bool { return o.Joiners > 0 && o.Index >= o.Procs-o.Joiners }

// ChildMain runs a child when EnvChild is set, writes its result to stdout
// and reports true; it reports false in the parent.
func ChildMain() bool {
	env := os.Getenv(EnvChild)
	if env == "" {
		return false
	}
	var o Options
	if err := json.Unmarshal([]byte(env), &o); err != nil {
		fmt.Fprintln(os.Stderr, "fleet child:", err)
		os.Exit(2)
	}
	r, err := RunChild(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet child:", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(r)
	fmt.Printf("%s\n", b)
	return true
}

// Run starts o.Procs children with cmd (a fresh *exec.Cmd for each: the
// same binary, whose main or TestMain calls ChildMain first), the last
// o.Joiners of them o.JoinAt after the others, waits for them and returns
// their results.
func Run(ctx context.Context, o Options, cmd func(ctx context.Context) *exec.Cmd) ([]*ChildResult, error) {
	results := make([]*ChildResult, o.Procs)
	errs := make([]error, o.Procs)
	var wg sync.WaitGroup
	for i := range o.Procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			co := o
			co.Index = i
			if co.joiner() {
				select {
				case <-time.After(o.JoinAt):
				case <-ctx.Done():
					errs[i] = fmt.Errorf("child %d: %w before it joined", i, ctx.Err())
					return
				}
				co.Duration = o.Duration - o.JoinAt
			}
			env, _ := json.Marshal(co)
			c := cmd(ctx)
			c.Env = append(os.Environ(), EnvChild+"="+string(env))
			var out, stderr bytes.Buffer
			c.Stdout, c.Stderr = &out, &stderr
			if err := c.Run(); err != nil {
				errs[i] = fmt.Errorf("child %d: %w: %s", i, err, stderr.String())
				return
			}
			var last []byte
			sc := bufio.NewScanner(&out)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				if l := sc.Bytes(); len(l) > 0 && l[0] == '{' {
					last = append(last[:0], l...)
				}
			}
			r := new(ChildResult)
			if err := json.Unmarshal(last, r); err != nil {
				errs[i] = fmt.Errorf("child %d: no result (%v): %s", i, err, stderr.String())
				return
			}
			results[i] = r
		}()
	}
	wg.Wait()
	return results, errors.Join(errs...)
}
