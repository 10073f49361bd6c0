// Package spool is the disk spool of a telemetry emitter: a durable store
// of the batches not yet delivered, so that a crash, a SIGKILL or a
// restart loses nothing that reached it. It is its own Go module, so that
// programs without a spool neither download nor compile its bbolt
// dependency; its version moves in step with github.com/pecta-ai/pecta-go.
//
//	st, err := spool.Open("/var/lib/bidder/pecta-spool", nil)
//	if err != nil { ... }              // errors.Is(err, spool.ErrLocked): another emitter owns it
//	em, err := telemetry.New(telemetry.Config{..., Spool: st}) // the emitter closes st
//
// The emitter writes every sealed batch to the store before sending it,
// and removes it once the server accepted it or it was dropped for a
// counted reason; the next emitter on the same directory delivers what is
// left first (telemetry's package doc, "Surviving restarts", has the whole
// design, including the arena that keeps events Track accepted across a
// kill on Linux).
//
// The store is one bbolt file (go.etcd.io/bbolt, as the OpenTelemetry
// Collector's file storage uses) and a lock file in the directory. bbolt
// was chosen over github.com/tidwall/wal and github.com/nsqio/go-diskqueue
// (append-only logs): batches are removed out of order (two senders,
// retries), which a log cannot do without a second log of tombstones, and
// a bbolt commit is atomic, where a torn tail makes wal refuse to open and
// diskqueue treat a bad record as the end of its file. bbolt reads through
// mmap, so a file shorter than its meta page says (a crash with NoSync, a
// full disk, a copy) would fault with SIGBUS: Open checks the size first
// and turns faults into errors, and moves such a file aside.
package spool
