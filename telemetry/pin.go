package telemetry

import _ "unsafe" // for go:linkname

// Track picks its shard by the P (the scheduler's processor) it runs on, so
// that with GOMAXPROCS shards each core keeps writing its own cache lines
// and the shard lock is practically never contended.
//
// Why runtime.procPin through linkname. The alternatives weighed:
//   - a random shard (what Track did before): on 2 Ps it moves the shard,
//     the batch header and the record tail between cores on about half the
//     calls, and failed TryLock probes make the other core's Unlock miss;
//   - sync.Pool as a per-P cache of shards: Get and Put cost 10-20 ns
//     together, a third of Track's budget, and a Pool may drop its items
//     at any GC, which would need a second, slower path to find the open
//     batches again;
//   - a goroutine-local or caller-provided handle: changes the public API
//     (Track(ev) is the contract) and cannot follow the goroutine between
//     Ps.
//
// procPin/procUnpin cost two non-atomic increments of the M's lock count
// and return the P's id. The id is only a hint: Track unpins at once and
// then takes the shard's mutex, so a goroutine migrating between the two
// (or GOMAXPROCS raised after New, so that two Ps share a shard) costs at
// most a contended lock, never a race. We never hold the pin across
// anything that can block.
//
// Risk with the Go versions we support (go.mod says 1.25; CI runs 1.26):
// since Go 1.23 the linker refuses pull-only linknames into the runtime
// unless the runtime marks the symbol as linkable. runtime.procPin and
// runtime.procUnpin are marked ("hall of shame": bytedance/gopkg,
// choleraehyq/pid, songzhibin97/gkit; go.dev/issue/67401, "Do not remove or
// change the type signature"), and sync and sync/atomic use the same
// functions through their own linknames, so they are as stable as such a
// symbol gets. Should a future release drop them, the build fails loudly
// at link time (no silent misbehaviour), and the fix is one function:
// procID falling back to a per-goroutine hash or to sync.Pool.

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()
