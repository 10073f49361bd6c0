//go:build unix

package telemetry

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// The kill test runs the test binary itself as the child process (TestMain
// calls killChildMain when killChildEnv is set), so the child can use the
// package's test hooks.
const (
	killChildEnv   = "PECTA_SPOOL_KILL_CHILD" // "track" or "deliver"
	killTotal      = 20000                    // events per sequence
	killCheckpoint = 200                      // events between SyncSpool checkpoints
)

// killChildMain runs the child's part and returns its exit code, or -1
// when this process is not a kill-test child.
func killChildMain() int {
	mode := os.Getenv(killChildEnv)
	if mode == "" {
		return -1
	}
	if err := killChild(mode); err != nil {
		fmt.Fprintln(os.Stderr, "kill child:", err)
		return 2
	}
	return 0
}

func killChild(mode string) error {
	cfg := Config{
		PublishableKey:    NewKey(testPK),
		SecretKey:         NewKey(testSK),
		BaseURL:           os.Getenv("KILL_URL"),
		SpoolDir:          os.Getenv("KILL_DIR"),
		FlushInterval:     20 * time.Millisecond,
		RetryWaitMin:      5 * time.Millisecond,
		RetryWaitMax:      50 * time.Millisecond,
		RequestTimeout:    2 * time.Second,
		RequestsPerMinute: -1,
		MaxRetries:        1 << 30,
		RetryBudget:       time.Hour,
	}
	if k, _ := strconv.Atoi(os.Getenv("KILL_AT_WRITE")); k > 0 {
		// die inside the k-th spool transaction, after the puts and before
		// the commit: a write torn at the worst moment
		var writes atomic.Int64
		spoolHookInTxn = func() error {
			if writes.Add(1) == int64(k) {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
			return nil
		}
	}
	e, err := New(cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if mode == "deliver" {
		dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := e.Flush(dctx); err != nil {
			return err
		}
		if err := e.Close(dctx); err != nil {
			return err
		}
		st := e.Stats()
		fmt.Printf("stats replayed=%d sent=%d dropped=%d spooled=%d tracked=%d\n",
			st.Replayed, st.Sent, st.Dropped, st.SpooledEvents, st.Tracked)
		return nil
	}
	from, _ := strconv.Atoi(os.Getenv("KILL_FROM"))
	tag := os.Getenv("KILL_TAG")
	ev := &pecta.Event{AgentID: "kill-agent", Passed: true, TotalLatencyMS: 2,
		Gates: []pecta.GateResult{{Name: "pii", Passed: true, LatencyMS: 0.5}}}
	for i := from; i < killTotal; i++ {
		ev.Tool = tag + strconv.Itoa(i)
		if err := e.Track(ev); err != nil {
			return err
		}
		if (i+1)%killCheckpoint == 0 || i+1 == killTotal {
			if err := e.SyncSpool(ctx); err != nil {
				return err
			}
			fmt.Printf("durable %d\n", i+1)
		}
	}
	// everything is in the spool: idle (delivering, when the server is up)
	// until killed or stdin closes
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// runKillChild starts a child and SIGKILLs it after delay (unless it dies
// first). It returns the last checkpoint the child printed and whether the
// child died by SIGKILL.
func runKillChild(t *testing.T, env []string, delay time.Duration) (durable int, killed bool) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan int, 1)
	go func() {
		last := -1
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "durable "); ok {
				last, _ = strconv.Atoi(n)
			}
		}
		lines <- last
	}()
	timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	durable = <-lines // EOF: the child is dead
	timer.Stop()
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return durable, true
	}
	t.Fatalf("child ended without SIGKILL: %v", err)
	return 0, false
}

// TestSpoolSurvivesSIGKILL: child processes track 20,000 events while the
// server is down (in some sequences while it is up), each killed with
// SIGKILL at a random moment or inside a spool write; the next child
// continues from the last checkpoint on the same spool. A final process
// delivers: every event arrives, and the only duplicates are events that
// were not yet confirmed durable at a kill (tracked after the last
// checkpoint, re-tracked by the next child) or batches in flight at a kill.
func TestSpoolSurvivesSIGKILL(t *testing.T) {
	const minKills = 50
	srv := newServer(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 10))
	kills, midWrite, totalDups, seqs := 0, 0, 0, 0
	start := time.Now()
	for seq := 0; kills < minKills; seq++ {
		seqs++
		dir := t.TempDir()
		serverUp := seq%3 == 2 // kills while batches are in flight
		if serverUp {
			if err := srv.Up(); err != nil {
				t.Fatal(err)
			}
		} else {
			srv.Down()
		}
		tag := fmt.Sprintf("s%d-", seq)
		env := []string{"KILL_URL=" + srv.URL, "KILL_DIR=" + dir, "KILL_TAG=" + tag}
		from := 0
		var windows [][2]int // [checkpoint, checkpoint+killCheckpoint) re-tracked after a kill
		seqKills := 0
		for from < killTotal || seqKills < 2 {
			childEnv := append(env, killChildEnv+"=track", "KILL_FROM="+strconv.Itoa(from))
			delay := time.Duration(10+rng.IntN(300)) * time.Millisecond
			if rng.IntN(4) == 0 {
				childEnv = append(childEnv, "KILL_AT_WRITE="+strconv.Itoa(1+rng.IntN(40)))
				midWrite++
			}
			durable, _ := runKillChild(t, childEnv, delay)
			kills++
			seqKills++
			if durable < 0 {
				durable = from // killed before its first checkpoint
			}
			if durable < killTotal {
				windows = append(windows, [2]int{durable, durable + killCheckpoint})
			}
			from = durable
		}
		if err := srv.Up(); err != nil {
			t.Fatal(err)
		}
		exe, _ := os.Executable()
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), append(env, killChildEnv+"=deliver")...)
		cmd.Stderr = os.Stderr
		statsLine, err := cmd.Output()
		if err != nil {
			t.Fatalf("seq %d: delivering child: %v", seq, err)
		}
		if !strings.Contains(string(statsLine), "dropped=0 spooled=0 tracked=0") {
			t.Fatalf("seq %d: delivering child: %s", seq, statsLine)
		}

		counts := make(map[int]int, killTotal)
		for _, ev := range srv.Ingested() {
			if id, ok := strings.CutPrefix(ev.Tool, tag); ok {
				n, _ := strconv.Atoi(id)
				counts[n]++
			}
		}
		inWindow := func(id int) bool {
			for _, w := range windows {
				if id >= w[0] && id < w[1] {
					return true
				}
			}
			return false
		}
		dups, outside := 0, 0
		for id := range killTotal {
			c := counts[id]
			if c == 0 {
				t.Fatalf("seq %d: event %d lost (kills %d)", seq, id, seqKills)
			}
			if c > 1 {
				dups += c - 1
				if !inWindow(id) {
					outside += c - 1
				}
			}
		}
		// outside the re-tracked windows, a duplicate can only come from a
		// batch accepted by the server but not yet removed from the spool
		// when the child was killed: at most two (one per sender) per kill,
		// and none while the server was down
		maxOutside := 0
		if serverUp {
			maxOutside = 2 * DefaultBatchSize * seqKills
		}
		if outside > maxOutside {
			t.Fatalf("seq %d: %d duplicates outside the unconfirmed windows (max %d)", seq, outside, maxOutside)
		}
		totalDups += dups
		t.Logf("seq %d (server %s during kills): %d kills, %d/%d events delivered, %d duplicates (%d of batches in flight); final process: %s",
			seq, map[bool]string{false: "down", true: "up"}[serverUp], seqKills, len(counts), killTotal, dups, outside,
			strings.TrimSpace(string(statsLine)))
	}
	t.Logf("%d SIGKILLs (%d inside a spool write) over %d sequences of %d events in %v: every event delivered, %d duplicates in all",
		kills, midWrite, seqs, killTotal, time.Since(start).Round(time.Millisecond), totalDups)
}
