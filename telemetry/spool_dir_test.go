package telemetry

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// dirSpool is the Spool of this package's tests: one file per batch in a
// directory, written whole through a rename. (The bbolt store of the
// telemetry/spool module has tests of its own, with the emitter.)
type dirSpool struct {
	dir string

	mu sync.Mutex
}

// spoolHookInTxn, when set, runs in every dirSpool Write before anything
// changes (failure injection); an error fails the Write.
var spoolHookInTxn func() error

func openDirSpool(tb testing.TB, dir string) *dirSpool {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	return &dirSpool{dir: dir}
}

func (s *dirSpool) Dir() string { return s.dir }

func (s *dirSpool) name(b SpoolBatch) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d-%05d.batch", b.Key, b.Events))
}

func (s *dirSpool) Scan(fn func(SpoolBatch) error) error {
	names, err := filepath.Glob(filepath.Join(s.dir, "*.batch"))
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, n := range names {
		var b SpoolBatch
		if _, err := fmt.Sscanf(strings.TrimSuffix(filepath.Base(n), ".batch"), "%d-%d", &b.Key, &b.Events); err != nil {
			return err
		}
		if b.Data, err = os.ReadFile(n); err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *dirSpool) Write(put, del []SpoolBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if spoolHookInTxn != nil {
		if err := spoolHookInTxn(); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	for _, b := range put {
		tmp := s.name(b) + ".tmp"
		if err := os.WriteFile(tmp, b.Data, 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, s.name(b)); err != nil {
			return err
		}
	}
	for _, b := range del {
		if err := os.Remove(s.name(b)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

func (s *dirSpool) Read(b SpoolBatch, dst []byte) ([]byte, error) {
	data, err := os.ReadFile(s.name(b))
	return append(dst, data...), err
}

func (s *dirSpool) Close() error { return nil }

// dirSpoolAt returns a dirSpool in dir, which its first Write creates.
func dirSpoolAt(dir string) Spool { return &dirSpool{dir: dir} }

// setSpoolWriteHook sets spoolHookInTxn (nil removes it).
func setSpoolWriteHook(hook func() error) { spoolHookInTxn = hook }

// spooledRequest is a batch in the spool as the emitter will send it.
type spooledRequest struct {
	Body []byte
	Sig  string // "" when unsigned
}

// spooledRequests returns every batch in dir's spool, in order, failing tb
// on a record that does not parse.
func spooledRequests(tb testing.TB, dir string) []spooledRequest {
	tb.Helper()
	var out []spooledRequest
	err := openDirSpool(tb, dir).Scan(func(b SpoolBatch) error {
		_, body, sig, err := parseSpoolRecord(b.Data)
		out = append(out, spooledRequest{body, sig})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
