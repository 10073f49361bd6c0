package telemetry

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
)

// A spooled batch's data, as the emitter writes it to the Spool:
//
//	magic "PSP1" | crc32c u32 (of everything after it) |
//	fingerprint [16] | body length u32 | signature length u16 | body | signature
//
// The length and checksum detect a damaged record (skipped with reason
// "spool_corrupt"); the fingerprint names the keys that signed it, without
// revealing them: a batch signed under other keys is signed again with the
// current secret before it is sent (the body is unchanged).

const (
	spoolMagic  = "PSP1"
	spoolHeader = 4 + 4 + 16 + 4 + 2
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// keyFingerprint identifies a key pair without revealing it: 16 bytes of
// SHA-256 over a domain tag and both keys. The keys are random
// 32-character strings, so the fingerprint cannot be reversed.
func keyFingerprint(pk, sk string) [16]byte {
	h := sha256.Sum256([]byte("pecta-spool-v1\x00" + pk + "\x00" + sk))
	var fp [16]byte
	copy(fp[:], h[:16])
	return fp
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
