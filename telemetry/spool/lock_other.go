//go:build !unix

package spool

import "os"

// lockSpoolDir opens the lock file. Off Unix, bbolt's own lock on the spool
// file (LockFileEx on Windows) keeps a second emitter out.
func lockSpoolDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

func unlockSpoolDir(f *os.File) { _ = f.Close() }
