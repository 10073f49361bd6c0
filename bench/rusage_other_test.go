//go:build !unix

package bench

import "time"

// cpuTime is unavailable here: CPU metrics read 0.
func cpuTime() time.Duration { return 0 }
