package telemetry

import (
	"fmt"
	"os"
	"syscall"
)

// mapArena opens (or creates) the arena file at path with at least nslots
// slots (more when an earlier process left more), preallocates its blocks
// (a store into a mapped page the disk has no room for would raise SIGBUS)
// and maps it shared. old describes the file as the earlier process left
// it; old.slots is 0 for a new or unreadable file, whose slots are then
// all treated as free.
func mapArena(path string, nslots int) (*arena, arenaOld, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, arenaOld{}, err
	}
	hdr := make([]byte, 32)
	n, _ := f.ReadAt(hdr, 0)
	old, ok := readArenaHeader(hdr[:n])
	if ok {
		nslots = max(nslots, old.slots)
	} else {
		old = arenaOld{}
	}
	size := int64(arenaHeaderSize) + int64(nslots)*slotSize
	fi, err := f.Stat()
	if err == nil && fi.Size() > size {
		err = f.Truncate(size)
	}
	if err == nil {
		err = syscall.Fallocate(int(f.Fd()), 0, 0, size)
	}
	if err != nil {
		f.Close()
		return nil, arenaOld{}, fmt.Errorf("preallocating %d bytes: %w", size, err)
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, arenaOld{}, fmt.Errorf("mmap: %w", err)
	}
	return &arena{mem: mem, f: f, nslots: nslots}, old, nil
}

// unmapArena releases the mapping and the file.
func unmapArena(a *arena) {
	_ = syscall.Munmap(a.mem)
	_ = a.f.Close()
}
