package peer

import (
	"context"

	"github.com/mortarfs/mortar/volume"
)

// VolumeRunner runs per-volume work on the peers that host bricks of a
// started volume (the self-heal daemon, peer/shd). The daemon calls Start
// when a volume with a brick on this peer is started (or when the daemon
// starts and finds it started), Update on the returned run when the
// volume's volfile changes, and Stop when the volume stops, is deleted,
// loses its last local brick, or the daemon exits. Calls for one volume
// never overlap; Start and Update must not block for long.
type VolumeRunner interface {
	Start(ctx context.Context, vf *volume.Volfile, local func(volume.BrickRef) bool) VolumeRun
}

// VolumeRun is one volume's running work.
type VolumeRun interface {
	Update(vf *volume.Volfile)
	Stop()
}
