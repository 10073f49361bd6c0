// Package gate is the in-process gate engine: it judges an agent's output
// in microseconds, in the caller's process, and turns the verdict into the
// metadata-only pecta.Event that telemetry sends (Emitter.TrackResult).
// The RTB gates are in package rtb below this one.
//
// # Engine
//
//	eng, err := gate.NewEngine(gate.CloudGates(), gate.WithTimeout(15*time.Millisecond))
//	res, err := eng.Evaluate(ctx, &gate.Evaluation{AgentID: "agent-7", Output: out})
//	_ = emitter.TrackResult(res)
//
// An Engine is built once (gate names are checked: unique, 1 to 200
// characters) and shared: it holds no state between evaluations. One budget
// covers all the gates of an evaluation: the engine timeout (default 50 ms)
// or ctx's deadline, whichever is earlier. Gates the budget cuts off fail
// with ReasonTimeout ("pecta:timeout"). With failFast (the default) the
// first failing gate ends the evaluation and the gates not yet finished
// are reported aborted (GateResult.Aborted, ReasonAborted) in the Result;
// they never ran, so they are left out of the telemetry event (see
// Result.AppendEvent). A skipped gate counts as passed; a gate that is
// skipped with Outcome.EndPipeline (rtb.TmaxGuard) ends the evaluation and
// the rest are reported skipped. TotalLatencyMS is the wall clock of the
// whole evaluation.
//
// # Gate latency
//
// A gate's LatencyMS is the time it ran. Gates marked Cheap (the RTB
// gates, the latency gate: a few comparisons each) cost less than a clock
// read, so consecutive cheap gates are timed together, with two clock
// reads for the batch, and each reports an equal share; the budget is
// checked before and after the batch. Other gates are timed one by one.
//
// # Inline and blocking gates
//
// Gates run in order in the caller's goroutine: a CPU-only gate costs no
// goroutine, no channel and no allocation, and the engine checks the budget
// between gates. EvaluateInto with a reused Result does not allocate. A
// gate that may block (I/O, a lock, a model call) opts into running
// concurrently by implementing Blocking, or through MayBlock(g): it starts
// in its own goroutine with a context that ends with the budget, later
// inline gates run meanwhile, and the engine stops waiting at the budget
// even when the gate ignores its context (its late result is dropped).
// Such a gate may still be reading the Evaluation (and the input and output
// it points to) after Evaluate returns: when an engine has blocking gates,
// do not modify or reuse an Evaluation, or what it points to, until its
// blocking gates have returned, or give them values they may keep (a gate
// that honours its context returns soon after the budget).
//
// # Generic gates
//
// Latency, Schema, Filesystem, PII and Content judge any Go value: strings,
// []byte, json.RawMessage (decoded), slices, maps (keys too), pointers and
// exported struct fields, at any depth: no nesting level is left unread
// (values deeper than the recursion's 128 levels go through an explicit
// stack, raw JSON through a linear scan), and cyclic values end (each
// pointer, map and slice is entered once). Their documentation lists what
// each detects, with the reference page it follows
// (https://docs.pecta.ai/gates/...), and the choices made where the page
// is silent or ambiguous; testdata/reference holds every example of those
// pages as a test case. CloudGates are the three gates of POST
// /v1/evaluate; pectatest runs exactly these, so the cloud and the
// in-process answers agree.
//
// # Schema: a validation function
//
// The schema gate takes a user-supplied func(any) error rather than
// JSON-Schema-like rules. A Go service already has types for its outputs,
// and usually a validator (hand-written checks, go-playground/validator, a
// JSON Schema library when the schema is shared with other languages); a
// function composes with all of them, costs only what the check costs (no
// reflection-driven rule interpreter on the hot path), and ValidateAs gives
// it a typed signature. Issues are the leaves of errors.Join; the first five
// go to SchemaDetails.
//
// # Privacy
//
// Reasons are sent with telemetry, so the built-in gates never put payload
// data in them ("email address detected", never the address). Two reasons
// of the reference quote metadata of a bid, which ours quote too: the
// placeholder domain ("placeholder adomain: example.com") and the IAB
// category ("blocked category in response: IAB25-2"). The schema gate's
// reason quotes the first issue of the user's validator, as the
// reference's does: validators must not put values in their messages.
// Result.AppendEvent, Result.Event and Emitter.TrackResult keep agent, tool,
// gate names, verdicts, reasons and latencies; input, output and Details
// never leave the process.
package gate
