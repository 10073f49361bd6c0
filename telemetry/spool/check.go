package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
)

// bbolt reads its file through mmap: a file shorter than its meta page
// says (truncated by a crash with SpoolNoSync, a full disk or a copy) makes
// it fault with SIGBUS, which would kill the process on every start. The
// spool checks the file's size against its meta pages before opening it,
// and turns a fault during open or replay into an error (with
// debug.SetPanicOnFault) so that the file is moved aside instead.

const (
	boltMagic      = 0xED0CDAED
	boltMetaOffset = 16 // page header
	boltMetaSize   = 64 // meta fields up to and including the checksum
)

// errSpoolTruncated: the file is shorter than its meta page says.
var errSpoolTruncated = errors.New("spool file is truncated")

// checkSpoolFile returns errSpoolTruncated when path is shorter than the
// pages recorded by the meta page bbolt would use. A missing or empty file,
// or one without a valid meta page (bbolt reports that itself), passes.
func checkSpoolFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	size := fi.Size()
	pageSize := int64(os.Getpagesize())
	m0, ok0 := readBoltMeta(f, 0)
	if ok0 {
		pageSize = int64(m0.pageSize)
	}
	m1, ok1 := readBoltMeta(f, pageSize)
	var m boltMeta
	switch {
	case ok0 && ok1:
		m = m0
		if m1.txid > m0.txid {
			m = m1
		}
	case ok0:
		m = m0
	case ok1:
		m = m1
	default:
		if size < 2*pageSize {
			return fmt.Errorf("%w: %d bytes", errSpoolTruncated, size)
		}
		return nil
	}
	if need := int64(m.pgid) * int64(m.pageSize); size < need || size < 2*int64(m.pageSize) {
		return fmt.Errorf("%w: %d bytes, its meta page needs %d", errSpoolTruncated, size, need)
	}
	return nil
}

type boltMeta struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
}

// readBoltMeta reads and checks the meta page at off (native little-endian
// layout: magic, version, page size, flags, root bucket, freelist, pgid,
// txid, FNV-64a checksum).
func readBoltMeta(r io.ReaderAt, off int64) (boltMeta, bool) {
	var b [boltMetaSize]byte
	if _, err := r.ReadAt(b[:], off+boltMetaOffset); err != nil {
		return boltMeta{}, false
	}
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(b[:56])
	if le.Uint32(b[0:]) != boltMagic || le.Uint64(b[56:]) != h.Sum64() {
		return boltMeta{}, false
	}
	m := boltMeta{pageSize: le.Uint32(b[8:]), pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
	if m.pageSize < 512 || m.pageSize > 1<<20 {
		return boltMeta{}, false
	}
	return m, true
}

// errSpoolFault is a fault or panic inside bbolt, turned into an error.
type errSpoolFault struct{ v any }

func (e errSpoolFault) Error() string { return fmt.Sprintf("spool file unreadable: %v", e.v) }

// safely runs f, turning a memory fault on the mapped file or a panic in
// bbolt into an error.
func safely(f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = errSpoolFault{r}
		}
	}()
	return f()
}
