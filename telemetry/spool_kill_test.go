//go:build linux

package telemetry_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/telemetry"
)

// The kill test runs the test binary itself as the child process (TestMain
// calls killChildMain when killChildEnv is set), so the child can use the
// package's test hooks (export_test.go).
const (
	killChildEnv = "PECTA_SPOOL_KILL_CHILD" // "track" or "deliver"
	killTotal    = 20000                    // events accepted per sequence
	killIDSpan   = 100000                   // child c of a sequence tracks IDs from c*killIDSpan
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
	cfg := telemetry.Config{
		PublishableKey:    pecta.NewAPIKey(testPK),
		SecretKey:         pecta.NewAPIKey(testSK),
		BaseURL:           os.Getenv("KILL_URL"),
		Spool:             telemetry.DirSpoolAt(os.Getenv("KILL_DIR")),
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
		telemetry.SetSpoolWriteHook(func() error {
			if writes.Add(1) == int64(k) {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
			return nil
		})
	}
	e, err := telemetry.New(cfg)
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
	// The parent learns which events Track accepted from a shared file
	// mapping: after each Track that returned nil the child stores the
	// count. A kill between Track's return and that store leaves one
	// accepted event unreported (the parent allows it, at the range's end).
	pf, err := os.OpenFile(os.Getenv("KILL_PROGRESS"), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	pm, err := syscall.Mmap(int(pf.Fd()), 0, 8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return err
	}
	progress := (*uint64)(unsafe.Pointer(&pm[0]))
	base, _ := strconv.Atoi(os.Getenv("KILL_BASE"))
	count, _ := strconv.Atoi(os.Getenv("KILL_COUNT"))
	burst, _ := strconv.Atoi(os.Getenv("KILL_BURST"))
	tag := os.Getenv("KILL_TAG")
	fmt.Println("ready")
	ev := &pecta.Event{AgentID: "kill-agent", Passed: true, TotalLatencyMS: 2,
		Gates: []pecta.GateResult{{Name: "pii", Passed: true, LatencyMS: 0.5}}}
	for i := range count {
		ev.Tool = tag + strconv.Itoa(base+i)
		err := e.Track(ev)
		for errors.Is(err, telemetry.ErrQueueFull) { // every arena slot taken (a slow disk): not accepted, try again
			time.Sleep(time.Millisecond)
			err = e.Track(ev)
		}
		if err != nil {
			return err
		}
		atomic.StoreUint64(progress, uint64(i+1))
		if (i+1)%burst == 0 {
			time.Sleep(200 * time.Microsecond) // spread tracking over the kill window
		}
	}
	// no SyncSpool, no Flush: idle (delivering, when the server is up)
	// until killed or stdin closes
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// runKillChild starts a child, SIGKILLs it after delay (counted from its
// "ready" line, or from its start when fromStart: a kill during New and
// the recovery of the arena) unless it dies first, and returns how many
// events it reported accepted.
func runKillChild(t *testing.T, env []string, progress string, delay time.Duration, fromStart bool) int {
	t.Helper()
	if err := os.WriteFile(progress, make([]byte, 8), 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "KILL_PROGRESS="+progress)...)
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
	kill := func() { _ = cmd.Process.Signal(syscall.SIGKILL) }
	var timer *time.Timer
	if fromStart {
		timer = time.AfterFunc(delay, kill)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if sc.Text() == "ready" && timer == nil {
			timer = time.AfterFunc(delay, kill)
		}
	}
	// EOF: the child is dead
	if timer != nil {
		timer.Stop()
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended without SIGKILL: %v", err)
	}
	b, err := os.ReadFile(progress)
	if err != nil || len(b) != 8 {
		t.Fatalf("progress file: %v (%d bytes)", err, len(b))
	}
	return int(binary.NativeEndian.Uint64(b))
}

// TestSpoolSurvivesSIGKILL: child processes track 20,000 events per
// sequence on one spool directory, with no SyncSpool or Flush, while the
// server is down (in some sequences while it is up), and are killed with
// SIGKILL at random instants: while tracking, while the spooler writes,
// inside a spool transaction, during New's recovery, or idle. Each child
// tracks a fresh, disjoint range of IDs and reports through a shared
// mapping exactly how many Track calls returned nil; the next child tracks
// what is left of the 20,000. A final process delivers: every accepted
// event arrives, no event that was not accepted does (but the one a child
// may have been killed with between Track's return and its report), and
// duplicates are bounded: none while the server is down but for a sealAll
// merge cut by the kill, and at most the batches in flight at each kill
// while it is up.
func TestSpoolSurvivesSIGKILL(t *testing.T) {
	const minKills = 50
	srv := newServer(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 10))
	kills, midWrite, atStart, totalDups, seqs := 0, 0, 0, 0, 0
	start := time.Now()
	for seq := 0; kills < minKills; seq++ {
		seqs++
		dir := t.TempDir()
		progress := filepath.Join(t.TempDir(), "progress")
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
		type span struct{ base, got int }
		var spans []span
		accepted, seqKills := 0, 0
		for accepted < killTotal || seqKills < 2 {
			base := len(spans) * killIDSpan
			childEnv := append(env, killChildEnv+"=track", "KILL_BASE="+strconv.Itoa(base),
				"KILL_COUNT="+strconv.Itoa(killTotal-accepted), "KILL_BURST="+strconv.Itoa(10+rng.IntN(40)))
			delay := time.Duration(rng.IntN(60_000)) * time.Microsecond
			fromStart := false
			switch rng.IntN(8) {
			case 0, 1:
				childEnv = append(childEnv, "KILL_AT_WRITE="+strconv.Itoa(1+rng.IntN(20)))
				delay = 10 * time.Second // the hook kills first, unless nothing is left to write
				midWrite++
			case 2:
				fromStart, delay = true, time.Duration(rng.IntN(150_000))*time.Microsecond
				atStart++
			}
			got := runKillChild(t, childEnv, progress, delay, fromStart)
			spans = append(spans, span{base, got})
			accepted += got
			kills++
			seqKills++
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
				n, err := strconv.Atoi(id)
				if err != nil {
					t.Fatalf("seq %d: bad tool %q", seq, ev.Tool)
				}
				counts[n]++
			}
		}
		dups, unreported, delivered := 0, 0, 0
		for c, sp := range spans {
			for id := sp.base; id < sp.base+sp.got; id++ {
				n := counts[id]
				if n == 0 {
					t.Fatalf("seq %d: event %d (child %d, accepted %d) lost (kills %d)", seq, id, c, sp.got, seqKills)
				}
				delivered++
				dups += n - 1
				delete(counts, id)
			}
			// killed between Track's return and the report
			if n := counts[sp.base+sp.got]; n > 0 {
				unreported++
				dups += n - 1
				delete(counts, sp.base+sp.got)
			}
		}
		for id, n := range counts {
			t.Fatalf("seq %d: event %d delivered %d times but never accepted", seq, id, n)
		}
		if delivered != killTotal {
			t.Fatalf("seq %d: %d of %d accepted events delivered", seq, delivered, killTotal)
		}
		// A duplicate comes from a batch the server accepted but that was
		// not yet removed from the spool at a kill (two senders: at most two
		// batches per kill, and none while the server is down), or from a
		// kill between the two stores of a sealAll merge (at most one batch
		// per kill).
		perKill := pecta.MaxBatchEvents // the default BatchSize
		if serverUp {
			perKill = 3 * pecta.MaxBatchEvents
		}
		if dups > perKill*seqKills {
			t.Fatalf("seq %d: %d duplicates for %d kills (max %d)", seq, dups, seqKills, perKill*seqKills)
		}
		totalDups += dups
		t.Logf("seq %d (server %s during kills): %d kills, %d/%d accepted events delivered (+%d accepted but unreported), %d duplicates; final process: %s",
			seq, map[bool]string{false: "down", true: "up"}[serverUp], seqKills, delivered, killTotal, unreported, dups,
			strings.TrimSpace(string(statsLine)))
	}
	t.Logf("%d SIGKILLs (%d inside a spool write, %d during New) over %d sequences of %d events in %v: every accepted event delivered, %d duplicates in all",
		kills, midWrite, atStart, seqs, killTotal, time.Since(start).Round(time.Millisecond), totalDups)
}
