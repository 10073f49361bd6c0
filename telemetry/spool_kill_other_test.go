//go:build !linux

package telemetry_test

// killChildMain: the kill test runs on Linux only (it needs the arena).
func killChildMain() int { return -1 }
