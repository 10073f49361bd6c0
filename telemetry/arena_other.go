//go:build !linux

package telemetry

// No arena off Linux (see arena.go): the spool works without it, and
// events not yet spooled are lost if the process is killed; SyncSpool
// makes tracked events durable.
func mapArena(string, int) (*arena, arenaOld, error) {
	return nil, arenaOld{}, errArenaUnsupported
}

func unmapArena(*arena) {}
