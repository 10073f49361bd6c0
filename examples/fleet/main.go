// Command fleet runs -procs bidder processes (this program, re-executed),
// each offering -qps telemetry events per second over -agents agent IDs for
// -duration (with -join N, the last N of them join -join-at after the
// others and offer until those stop: a rolling deploy), against one ingest
// budget: an embedded pectatest server with the documented limits (500
// requests per rolling minute), or the server in PECTA_API_KEY,
// PECTA_SECRET_KEY and PECTA_BASE_URL when set. Without
// -redis every process paces itself, slow-starts and adapts to the 429s
// (AIMD); with
// -redis ADDR they share the budget through that Redis ("-redis local"
// starts a redis-server for the run).
//
// The budget is the organisation's: 500 requests of up to 100 events in
// any rolling 60 s, for all processes together (so a run shorter than a
// minute may use the whole 500). The program prints what the fleet
// offered, kept (the emitters sample down to what the budget carries),
// delivered and dropped, the 429s, the share of the budget used (the most
// requests accepted within one 60 s window, on the embedded server), and
// each agent's pass rate as offered and as received; from the embedded
// server also the requests accepted and answered 429 and the events
// accepted per -bin (10 s) from the fleet's start, and the longest time no
// request was accepted (after the join too).
//
// It exits non-zero when a process failed, an event is unaccounted for,
// or events were dropped for any reason but sampling, with one exception
// that it prints as expected: without -redis no process knows its share
// of the budget, and a fleet that fills the window fast (more processes
// than the slow start of telemetry.LocalBudget allows for, or a server
// whose limit is below the 500 the processes assume) gets 429s with a
// Retry-After of most of a minute; events a process still holds when its
// Close deadline (10 s) ends during that pause are dropped as "shutdown".
// That is the cost of no shared state. With -redis the fleet stays within
// the budget, and any drop at shutdown fails the run.
//
// The example is a Go module of its own (it needs a Redis client, which
// the root module does not require): run it from its directory, or with
// go -C from the repository's root.
//
//	cd examples/fleet
//	go run .                                  # 4 processes, 20 s
//	go run . -procs 4 -qps 20000 -duration 2m -redis local
//	go run . -procs 4 -qps 1000 -duration 2m             # a cold fleet
//	go run . -procs 4 -qps 1000 -duration 150s -join 1   # a 4th joins at 70 s
//
//	go -C examples/fleet run .                # the same, from the root
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/pecta-ai/pecta-go/examples/fleet/internal/fleet"
	"github.com/pecta-ai/pecta-go/examples/internal/demo"
	"github.com/pecta-ai/pecta-go/internal/redistest"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
	"github.com/pecta-ai/pecta-go/telemetry"
)

func main() {
	if fleet.ChildMain() {
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

func run() error {
	o := fleet.Options{}
	flag.IntVar(&o.Procs, "procs", 4, "bidder processes")
	flag.IntVar(&o.QPS, "qps", 20000, "events offered per second by each process")
	flag.DurationVar(&o.Duration, "duration", 20*time.Second, "how long each process offers events")
	flag.IntVar(&o.Agents, "agents", 8, "agent IDs the events are spread over (Zipf: agent k offers 1/(k+1))")
	flag.IntVar(&o.Joiners, "join", 0, "of the -procs processes, how many start -join-at after the others (a rolling deploy)")
	flag.DurationVar(&o.JoinAt, "join-at", 70*time.Second, "when the -join processes start")
	flag.DurationVar(&o.Bin, "bin", 10*time.Second, "width of the time bins of the server's answers in the report (0: none)")
	flag.StringVar(&o.RedisAddr, "redis", "", `share the budget through Redis at this address ("local": start a redis-server)`)
	flag.Parse()
	if o.Procs <= 0 || o.QPS <= 0 || o.Duration <= 0 || o.Agents <= 0 {
		return errors.New("-procs, -qps, -duration and -agents must be positive")
	}
	if o.Joiners < 0 || o.Joiners >= o.Procs || (o.Joiners > 0 && (o.JoinAt <= 0 || o.JoinAt >= o.Duration)) {
		return errors.New("-join must be below -procs, and -join-at within -duration")
	}
	if o.RedisAddr == "local" {
		rs, err := redistest.Start()
		if err != nil {
			return err
		}
		defer rs.Stop()
		o.RedisAddr = rs.Addr
		fmt.Printf("started redis-server at %s\n", rs.Addr)
	}
	env := demo.Setup(os.Stdout, pectatest.WithRateLimits(pectatest.DefaultIngestPerMinute, pectatest.DefaultOtherPerMinute))
	defer env.Close()
	if env.Embedded() {
		fmt.Printf("embedded server ingest limit: %d requests per rolling minute (the documented limit)\n", pectatest.DefaultIngestPerMinute)
	}
	o.BaseURL, o.PK, o.SK = env.BaseURL, env.PublishableKey, env.SecretKey

	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("running %d processes for %v (each closes its emitter with a %v deadline)...\n", o.Procs, o.Duration, fleet.CloseTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), o.Duration+2*fleet.CloseTimeout+30*time.Second)
	defer cancel()
	results, err := fleet.Run(ctx, o, func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, self) })
	rep := fleet.NewReport(o, results, env.Server)
	rep.Print(os.Stdout)
	if err != nil {
		return err
	}
	if err := rep.Check(); err != nil {
		return err
	}
	if rep.ByReason[telemetry.ReasonShutdown] > 0 {
		fmt.Println("ok: every event accounted for; dropped only by sampling and, as expected above, at shutdown")
	} else {
		fmt.Println("ok: every event accounted for; dropped only by sampling")
	}
	return nil
}
