package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

// childEnv, when set in the environment, turns the test binary into a
// server process: see serveChild.
const childEnv = "PECTA_BENCH_SERVER_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		serveChild(os.Stdin, os.Stdout)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childInfo is what the server process announces on its first output line.
type childInfo struct {
	URL            string `json:"url"`             // pectatest.Server
	PublishableKey string `json:"publishable_key"` // its keys
	SecretKey      string `json:"secret_key"`
	TrivialURL     string `json:"trivial_url"` // a handler that reads the body and answers 202 {"accepted":<events in it>}
}

// serveChild runs a pectatest server (rate limits off) and a trivial ingest
// handler, announces them as one JSON line on out, then obeys one command
// per line of in ("down", "up", "latency <duration>") answering "ok" or an
// error, until in is closed.
func serveChild(in io.Reader, out io.Writer) {
	srv := pectatest.NewServer(pectatest.WithoutRateLimits())
	defer srv.Close()
	trivial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		n := bytes.Count(body.Bytes(), []byte(`{"agent_id":`))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"accepted":`+strconv.Itoa(n)+`}`)
	}))
	defer trivial.Close()

	// The server records every request; forget them regularly so that a
	// long benchmark does not grow the child without bound.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				srv.ResetRecord()
			case <-stop:
				return
			}
		}
	}()

	info, _ := json.Marshal(childInfo{srv.URL, srv.PublishableKey.Reveal(), srv.SecretKey.Reveal(), trivial.URL})
	fmt.Fprintf(out, "%s\n", info)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		var err error
		switch cmd {
		case "down":
			srv.Down()
		case "up":
			err = srv.Up()
		case "latency":
			var d time.Duration
			if d, err = time.ParseDuration(arg); err == nil {
				srv.SetLatency(d)
			}
		default:
			err = fmt.Errorf("unknown command %q", cmd)
		}
		if err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
		} else {
			fmt.Fprintln(out, "ok")
		}
	}
}

// child is a server process started by startChild.
type child struct {
	childInfo
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

// startChild re-executes the test binary as a server process and stops it
// when tb ends.
func startChild(tb testing.TB) *child {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	if !c.lines.Scan() {
		tb.Fatalf("server process: no announcement: %v %s", c.lines.Err(), stderr.String())
	}
	if err := json.Unmarshal(c.lines.Bytes(), &c.childInfo); err != nil {
		tb.Fatalf("server process: %v: %q", err, c.lines.Text())
	}
	return c
}

// do sends one command to the server process and waits for its answer.
func (c *child) do(tb testing.TB, cmd string) {
	tb.Helper()
	if _, err := io.WriteString(c.stdin, cmd+"\n"); err != nil {
		tb.Fatalf("server process %q: %v", cmd, err)
	}
	if !c.lines.Scan() {
		tb.Fatalf("server process %q: no answer: %v", cmd, c.lines.Err())
	}
	if got := c.lines.Text(); got != "ok" {
		tb.Fatalf("server process %q: %s", cmd, got)
	}
}

func (c *child) down(tb testing.TB) { c.do(tb, "down") }
func (c *child) up(tb testing.TB)   { c.do(tb, "up") }
func (c *child) latency(tb testing.TB, d time.Duration) {
	c.do(tb, "latency "+d.String())
}
