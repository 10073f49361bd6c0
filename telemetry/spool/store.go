package spool

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// Key: seq u64 | events u16, big endian (sorted in write order; the event
// count stays readable when the value is corrupt). Values are the
// emitter's records; this package does not look inside them.

const (
	spoolFile     = "spool.db"
	spoolLockFile = "spool.lock"
)

var spoolBucket = []byte("batches")

// ErrLocked is matched (errors.Is) by the error Open returns when another
// emitter, in this process or another, owns the directory.
var ErrLocked = errors.New("spool: directory is in use by another emitter")

// Options configures Open. The zero value is the default.
type Options struct {
	// Logger receives one ERROR record when Open finds the spool file
	// unreadable and moves it aside. Default: slog.Default().
	Logger *slog.Logger
	// NoSync skips the fsync after each write. A process crash still
	// loses nothing once a batch was written; a power loss or kernel crash
	// may lose the last writes or corrupt the file (detected by the
	// emitter's checksums, counted and skipped). Default false: fsync
	// every write.
	NoSync bool
}

// Store is a disk spool: batches in a bbolt file (spool.db) in a directory
// it owns through a lock file (spool.lock). It implements telemetry.Spool.
// Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	lock *os.File
	dir  string
	path string
}

var _ telemetry.Spool = (*Store)(nil)

// Open takes dir's lock, creating dir (mode 0700) if missing, and opens
// or creates the spool file in it. A file bbolt cannot open (both meta
// pages corrupt, or shorter than its meta page says) is moved aside as
// spool.db.corrupt-<unix time>, logged, and a new one created: its batches
// are not delivered. Open returns an error matching ErrLocked when another
// emitter owns dir. Pass the Store in telemetry.Config.Spool; the emitter
// closes it.
func Open(dir string, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	st, aside, err := openStore(dir, opts.NoSync)
	if err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", dir, err)
	}
	if aside != "" {
		l := cmp.Or(opts.Logger, slog.Default())
		l.Error("spool: the spool file was unreadable and was moved aside; its batches are not delivered",
			slog.String("file", st.path), slog.String("moved_to", aside))
	}
	return st, nil
}

// Dir returns the directory the store owns.
func (st *Store) Dir() string { return st.dir }

// openStore takes the directory's lock and opens (or creates) the spool
// file.
func openStore(dir string, noSync bool) (st *Store, aside string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	lock, err := lockSpoolDir(filepath.Join(dir, spoolLockFile))
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, spoolFile)
	opts := &bolt.Options{Timeout: 100 * time.Millisecond, NoSync: noSync, NoFreelistSync: true}
	var db *bolt.DB
	open := func() error {
		if err := checkSpoolFile(path); err != nil {
			return err
		}
		return safely(func() (err error) {
			db, err = bolt.Open(path, 0o600, opts)
			if err != nil {
				return err
			}
			err = db.Update(func(tx *bolt.Tx) error {
				_, err := tx.CreateBucketIfNotExists(spoolBucket)
				return err
			})
			if err != nil {
				db.Close()
				db = nil
			}
			return err
		})
	}
	err = open()
	if errors.Is(err, berrors.ErrTimeout) {
		lock.Close()
		return nil, "", ErrLocked
	}
	if err != nil && isCorruptFile(err) {
		aside = fmt.Sprintf("%s.corrupt-%d", path, time.Now().Unix())
		if rerr := os.Rename(path, aside); rerr != nil {
			lock.Close()
			return nil, "", err
		}
		err = open()
	}
	if err != nil {
		lock.Close()
		return nil, "", err
	}
	return &Store{db: db, lock: lock, dir: dir, path: path}, aside, nil
}

// isCorruptFile reports an error that moving the file aside cures.
func isCorruptFile(err error) bool {
	var fault errSpoolFault
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, errSpoolTruncated) ||
		errors.As(err, &fault)
}

// Close closes the file and releases the lock.
func (st *Store) Close() error {
	err := st.db.Close()
	unlockSpoolDir(st.lock)
	return err
}

func spoolKey(seq uint64, events int) []byte {
	k := make([]byte, 10)
	binary.BigEndian.PutUint64(k, seq)
	binary.BigEndian.PutUint16(k[8:], uint16(events))
	return k
}

func parseSpoolKey(k []byte) (seq uint64, events int, ok bool) {
	if len(k) != 10 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(k), int(binary.BigEndian.Uint16(k[8:])), true
}

// Scan calls fn for every batch in the spool, in key order; the batch's
// Data is valid only during the call. Keys that do not parse (no event
// count to report) are deleted.
func (st *Store) Scan(fn func(telemetry.SpoolBatch) error) error {
	bad := 0
	err := safely(func() error {
		return st.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(spoolBucket).ForEach(func(k, v []byte) error {
				seq, n, ok := parseSpoolKey(k)
				if !ok {
					bad++
					return nil
				}
				return fn(telemetry.SpoolBatch{Key: seq, Events: n, Data: v})
			})
		})
	})
	if err == nil && bad > 0 {
		err = st.deleteBadKeys()
	}
	return err
}

// deleteBadKeys removes every key that does not parse.
func (st *Store) deleteBadKeys() error {
	return st.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(spoolBucket)
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if _, _, ok := parseSpoolKey(k); !ok {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// hookInTxn, when set (tests), runs inside every write transaction after
// the puts and before the commit.
var hookInTxn func() error

// Write stores the batches of put and deletes those of del, in one
// transaction: one fsync unless Options.NoSync. A process killed during
// Write leaves the state before it.
func (st *Store) Write(put, del []telemetry.SpoolBatch) error {
	return st.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(spoolBucket)
		for _, d := range del {
			if err := b.Delete(spoolKey(d.Key, d.Events)); err != nil {
				return err
			}
		}
		for _, p := range put {
			if err := b.Put(spoolKey(p.Key, p.Events), p.Data); err != nil {
				return err
			}
		}
		if hookInTxn != nil {
			return hookInTxn()
		}
		return nil
	})
}

// Read appends the data of batch b (its Key and Events) to dst.
func (st *Store) Read(b telemetry.SpoolBatch, dst []byte) ([]byte, error) {
	err := safely(func() error {
		return st.db.View(func(tx *bolt.Tx) error {
			v := tx.Bucket(spoolBucket).Get(spoolKey(b.Key, b.Events))
			if v == nil {
				return errMissing
			}
			dst = append(dst, v...)
			return nil
		})
	})
	return dst, err
}

var errMissing = errors.New("spool: batch missing")
