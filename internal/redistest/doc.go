// Package redistest starts a real redis-server for tests and examples: on
// a random loopback port, with a temporary directory and no persistence,
// stopped by Stop (or the test's cleanup).
package redistest
