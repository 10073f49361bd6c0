//go:build !amd64 && !arm64

package wire

import (
	"encoding/binary"
	"unsafe"
)

// Load64, Load32, Store64 and Store32 access the word at p+i byte by byte (through
// encoding/binary): these architectures may not allow unaligned loads.
func Load64(p unsafe.Pointer, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice((*byte)(unsafe.Add(p, i)), 8))
}

func Load32(p unsafe.Pointer, i int) uint32 {
	return binary.LittleEndian.Uint32(unsafe.Slice((*byte)(unsafe.Add(p, i)), 4))
}

func Store64(p unsafe.Pointer, i int, v uint64) {
	binary.LittleEndian.PutUint64(unsafe.Slice((*byte)(unsafe.Add(p, i)), 8), v)
}

func Store32(p unsafe.Pointer, i int, v uint32) {
	binary.LittleEndian.PutUint32(unsafe.Slice((*byte)(unsafe.Add(p, i)), 4), v)
}
