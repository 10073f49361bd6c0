//go:build linux

package bench

import "syscall"

const rusageThread = 1 // RUSAGE_THREAD

// threadSwitches is the number of involuntary context switches of the
// calling OS thread so far (the OS preempted it), or -1 when unknown.
func threadSwitches() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return -1
	}
	return ru.Nivcsw
}
