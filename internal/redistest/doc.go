// Package redistest starts a real redis-server for tests and examples: on
// a random loopback port, with a temporary directory and no persistence,
// stopped by Stop (or the test's cleanup).
//
// It speaks to the server with a raw PING and needs no Redis client, so
// that the root module requires none: the modules that use Redis
// (telemetry/redisbudget, examples/fleet) import it from the root module.
package redistest
