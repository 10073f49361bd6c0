package telemetry

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The spool's disk layer: one bbolt file (spool.db) and a lock file
// (spool.lock) in Config.SpoolDir.
//
// bbolt was chosen over github.com/tidwall/wal and
// github.com/nsqio/go-diskqueue (both append-only logs; see CHANGELOG and
// README "Surviving restarts" for the measurements): batches are removed out
// of order (two senders, retries), which a log cannot do without a second
// log of tombstones; a bbolt commit is atomic (a process killed mid-write
// leaves the previous state, never a torn record), whereas a torn tail makes
// tidwall/wal refuse to open and go-diskqueue treats a bad record as the end
// of its whole file. On top of bbolt every record carries its length and a
// CRC-32C, so corruption below bbolt (a flipped bit, a power loss with
// SpoolNoSync) is detected per record and skipped with a counted reason.
//
// Key: seq u64 | events u16, big endian (sorted in write order; the event
// count stays readable when the value is corrupt).
// Value: magic "PSP1" | crc32c u32 (of everything after it) |
// fingerprint [16] | body length u32 | signature length u16 | body | signature.

const (
	spoolFile     = "spool.db"
	spoolLockFile = "spool.lock"
	spoolMagic    = "PSP1"
	spoolHeader   = 4 + 4 + 16 + 4 + 2
)

var (
	spoolBucket = []byte("batches")
	crcTable    = crc32.MakeTable(crc32.Castagnoli)
)

// ErrSpoolLocked is matched (errors.Is) by the error New returns when
// another emitter, in this process or another, owns Config.SpoolDir.
var ErrSpoolLocked = errors.New("telemetry: spool directory is in use by another emitter")

// spoolStore is the spool's file.
type spoolStore struct {
	db   *bolt.DB
	lock *os.File
	path string
}

// spoolFingerprint identifies the key pair that signed a batch without
// revealing it: 16 bytes of SHA-256 over a domain tag and both keys. The
// keys are random 32-character strings, so the fingerprint cannot be
// reversed.
func spoolFingerprint(pk, sk string) [16]byte {
	h := sha256.Sum256([]byte("pecta-spool-v1\x00" + pk + "\x00" + sk))
	var fp [16]byte
	copy(fp[:], h[:16])
	return fp
}

// openSpoolStore takes the directory's lock and opens (or creates) the
// spool file. A file bbolt cannot open (both meta pages corrupt) is moved
// aside as spool.db.corrupt-<unix time> and a new one created; aside names
// the moved file, "" when none was.
func openSpoolStore(dir string, noSync bool) (st *spoolStore, aside string, err error) {
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
		return nil, "", fmt.Errorf("%w: %s", ErrSpoolLocked, dir)
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
	return &spoolStore{db: db, lock: lock, path: path}, aside, nil
}

// isCorruptFile reports an error that moving the file aside cures.
func isCorruptFile(err error) bool {
	var fault errSpoolFault
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, errSpoolTruncated) ||
		errors.As(err, &fault)
}

// close closes the file and releases the lock.
func (st *spoolStore) close() error {
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

// appendSpoolRecord appends the record of a signed batch to dst.
func appendSpoolRecord(dst []byte, fp [16]byte, body []byte, sig string) []byte {
	start := len(dst)
	dst = append(dst, spoolMagic...)
	dst = append(dst, 0, 0, 0, 0) // crc, filled below
	dst = append(dst, fp[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(body)))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(sig)))
	dst = append(dst, body...)
	dst = append(dst, sig...)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[start+8:], crcTable))
	return dst
}

// errSpoolCorrupt is why a record failed its checks.
type errSpoolCorrupt string

func (e errSpoolCorrupt) Error() string { return "telemetry: spool record corrupt: " + string(e) }

// parseSpoolRecord checks a record's magic, lengths and checksum and
// returns its parts, aliasing rec.
func parseSpoolRecord(rec []byte) (fp [16]byte, body []byte, sig string, err error) {
	if len(rec) < spoolHeader || string(rec[:4]) != spoolMagic {
		return fp, nil, "", errSpoolCorrupt("bad header")
	}
	bodyLen := int(binary.LittleEndian.Uint32(rec[24:]))
	sigLen := int(binary.LittleEndian.Uint16(rec[28:]))
	if len(rec) != spoolHeader+bodyLen+sigLen {
		return fp, nil, "", errSpoolCorrupt("length mismatch")
	}
	if crc32.Checksum(rec[8:], crcTable) != binary.LittleEndian.Uint32(rec[4:]) {
		return fp, nil, "", errSpoolCorrupt("checksum mismatch")
	}
	copy(fp[:], rec[8:24])
	body = rec[spoolHeader : spoolHeader+bodyLen]
	return fp, body, string(rec[spoolHeader+bodyLen:]), nil
}

// spooledRecord is one record found by scan.
type spooledRecord struct {
	seq    uint64
	events int
	size   int64
	err    error // non-nil: corrupt, or signed by another key pair
}

// errSpoolKeyChanged marks a record signed by another key pair.
var errSpoolKeyChanged = errors.New("telemetry: spooled batch was signed by another key pair")

// scan reads every record in write order and checks it against fp. Keys
// that do not parse (no event count to report) are counted in badKeys and
// left for deleteBadKeys.
func (st *spoolStore) scan(fp [16]byte) (recs []spooledRecord, badKeys int, err error) {
	err = safely(func() error {
		return st.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(spoolBucket).ForEach(func(k, v []byte) error {
				seq, n, ok := parseSpoolKey(k)
				if !ok {
					badKeys++
					return nil
				}
				r := spooledRecord{seq: seq, events: n, size: int64(len(v))}
				if got, _, _, err := parseSpoolRecord(v); err != nil {
					r.err = err
				} else if got != fp {
					r.err = errSpoolKeyChanged
				}
				recs = append(recs, r)
				return nil
			})
		})
	})
	return recs, badKeys, err
}

// deleteBadKeys removes every key that does not parse.
func (st *spoolStore) deleteBadKeys() error {
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

// spoolWrite is one record to put.
type spoolWrite struct {
	key, val []byte
}

// spoolHookInTxn, when set (kill tests), runs inside every write
// transaction after the puts and before the commit.
var spoolHookInTxn func() error

// write puts recs and deletes dels in one transaction (one fsync unless
// SpoolNoSync).
func (st *spoolStore) write(recs []spoolWrite, dels [][]byte) error {
	return st.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(spoolBucket)
		for _, k := range dels {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for _, r := range recs {
			if err := b.Put(r.key, r.val); err != nil {
				return err
			}
		}
		if spoolHookInTxn != nil {
			return spoolHookInTxn()
		}
		return nil
	})
}

// read copies the record under key into dst.
func (st *spoolStore) read(key []byte, dst []byte) ([]byte, error) {
	err := safely(func() error {
		return st.db.View(func(tx *bolt.Tx) error {
			v := tx.Bucket(spoolBucket).Get(key)
			if v == nil {
				return errSpoolCorrupt("record missing")
			}
			dst = append(dst[:0], v...)
			return nil
		})
	})
	return dst, err
}

// remove deletes the records under keys.
func (st *spoolStore) remove(keys ...[]byte) error { return st.write(nil, keys) }
