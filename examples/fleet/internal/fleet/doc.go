// Package fleet runs a fleet of bidder processes that share one
// organisation's ingest budget, for examples/fleet and its tests (a module
// of its own): each process (a child) offers events at a fixed rate over a
// skewed set of agents with known pass rates, through its own
// telemetry.Emitter, and reports what it offered and what its emitter
// counted; the parent adds up the fleet and checks that every event is
// accounted for.
//
// Children are separate OS processes: the parent re-executes a binary
// (the example itself, or the test binary) with the child's options in the
// environment variable EnvChild, and reads its result, one JSON line, from
// its standard output.
package fleet
