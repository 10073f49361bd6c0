//go:build !unix

package telemetry

// killChildMain: the kill test runs on Unix only.
func killChildMain() int { return -1 }
