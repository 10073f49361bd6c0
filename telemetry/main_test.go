package telemetry_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain runs the package's tests, internal and external, and checks
// that none leaves a goroutine behind. A process started by
// TestSpoolSurvivesSIGKILL runs its child part instead.
func TestMain(m *testing.M) {
	if code := killChildMain(); code >= 0 { // spool_kill_test.go
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}
