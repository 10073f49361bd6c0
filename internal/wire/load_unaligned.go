//go:build amd64 || arm64

package wire

import "unsafe"

// Load64 and Load32 read the word at p+i and Store64 and Store32 write it,
// unaligned (which these architectures allow at full speed). The caller
// keeps p+i and the word within one object.
func Load64(p unsafe.Pointer, i int) uint64 { return *(*uint64)(unsafe.Add(p, i)) }
func Load32(p unsafe.Pointer, i int) uint32 { return *(*uint32)(unsafe.Add(p, i)) }

func Store64(p unsafe.Pointer, i int, v uint64) { *(*uint64)(unsafe.Add(p, i)) = v }
func Store32(p unsafe.Pointer, i int, v uint32) { *(*uint32)(unsafe.Add(p, i)) = v }
