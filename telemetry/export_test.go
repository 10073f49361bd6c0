package telemetry

import (
	"context"
	"time"
)

// This file gives the external tests (package telemetry_test, the tests
// that run the emitter against pecta/pectatest, which imports telemetry)
// what they need from inside the package, as the standard library's
// export_test.go files do. It is compiled only with the tests. Keep it to
// aliases and one-line accessors; a helper with a body lives in the
// internal test file of its topic.

// Fixtures shared by the internal and the external tests (helpers_test.go).
const (
	TestPK = testPK
	TestSK = testSK
)

var (
	Event          = event          // a valid 3-gate event
	CheckInvariant = checkInvariant // Tracked + Replayed == Sent + Unconfirmed + Dropped + Pending
	CloseNow       = closeNow       // Close with a deadline
	AssertNoKey    = assertNoKey    // fails on key material in an output
)

// The record format (record.go), for the largest event a slot holds.
var (
	RecordSize   = recordSize
	AppendRecord = appendRecord
)

const (
	MaxRecordBytes = maxRecordBytes
	StackGates     = stackGates // TrackResult converts up to this many gates on the stack
)

// The spool of the tests (spool_dir_test.go) and its records
// (spool_record.go).
var (
	DirSpoolAt         = dirSpoolAt         // a Spool of one file per batch in a directory
	SpooledRequests    = spooledRequests    // the body and signature of every batch in a dirSpool
	SetSpoolWriteHook  = setSpoolWriteHook  // runs in every dirSpool write; an error fails it
	ArenaEvents        = arenaEvents        // the tools of the events committed in an arena file
	WriteArenaSlots    = writeArenaSlots    // writes committed slots, as a killed process leaves them
	SlottedBatchesOK   = slottedBatchesOK   // whether the open batches that hold a slot still write into it
	NewWithProbeBounds = newWithProbeBounds // New with the interval between key probes bounded by min and max
)

// ArenaSlot describes a slot for WriteArenaSlots.
type ArenaSlot = arenaSlot

// ArenaSlots returns the number of slots of e's spool arena, 0 without one.
func ArenaSlots(e *Emitter) int {
	if e.q.arena == nil {
		return 0
	}
	return e.q.arena.nslots
}

// Closing reports whether Close has started.
func Closing(e *Emitter) bool { return e.closed.Load() }

// SendContext is the context of e's requests, cancelled when Close gives up.
func SendContext(e *Emitter) context.Context { return e.sendCtx }

// StartSamplerAt makes the sampler count its next period from at.
func StartSamplerAt(e *Emitter, at time.Time) {
	e.samp.mu.Lock()
	e.samp.lastAt = at
	e.samp.mu.Unlock()
}

// AdjustSampling runs the sampler's periodic adjustment as of now.
func AdjustSampling(e *Emitter, now time.Time) { e.adjustSampling(now) }
