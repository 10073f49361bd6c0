package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Server is a running redis-server.
type Server struct {
	Addr string // 127.0.0.1:port
	cmd  *exec.Cmd
	dir  string
	done chan struct{}
}

// ErrNoBinary is returned by Start when redis-server is not on PATH.
var ErrNoBinary = errors.New("redistest: redis-server not found on PATH (Debian/Ubuntu: apt-get install -y redis-server)")

// Start runs redis-server on a free loopback port and waits until it
// answers PING (at most 10 s).
func Start() (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoBinary
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	for range 5 { // a port picked free may be taken before redis binds it
		s, err := start(bin, dir)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errExited) {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	os.RemoveAll(dir)
	return nil, errors.New("redistest: redis-server did not start")
}

var errExited = errors.New("redistest: redis-server exited")

func start(bin, dir string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ping(s.Addr)
		if err == nil {
			return s, nil
		}
		select {
		case <-s.done:
			return nil, errExited
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("redistest: redis-server at %s did not answer: %w", s.Addr, err)
		}
	}
}

// ping sends PING in the Redis protocol (RESP) and expects +PONG: the
// package needs no Redis client, so that the root module requires none.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		// -LOADING while it reads a dataset, for instance
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Stop kills the server and removes its directory. It is safe to call
// twice.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
	os.RemoveAll(s.dir)
}

// Pause stops the server answering (SIGSTOP) until Resume, as a hung
// Redis would.
func (s *Server) Pause() error { return s.cmd.Process.Signal(sigStop) }

// Resume undoes Pause.
func (s *Server) Resume() error { return s.cmd.Process.Signal(sigCont) }

// ForTest starts a server stopped at the end of t. When redis-server is
// absent it skips t, or fails it when the CI environment variable is
// "true" (CI must install it: .ci/run does).
func ForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if errors.Is(err, ErrNoBinary) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; CI must install it", err)
		}
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}
