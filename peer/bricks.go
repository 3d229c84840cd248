package peer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/brickd"
	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// checkBricks checks brick directories of this peer before a volume
// create: absolute, a directory (or creatable), not on the root
// filesystem without force, not already a brick. With create, it makes
// the missing directories.
func (d *Daemon) checkBricks(paths []string, force, create bool) error {
	var root unix.Stat_t
	if err := unix.Stat(d.cfg.RootFS, &root); err != nil {
		return fmt.Errorf("root filesystem %s: %w", d.cfg.RootFS, err)
	}
	for _, p := range paths {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			return refusef("brick %s:%s: the path must be absolute and clean", d.cfg.Host, p)
		}
		existing, st, err := nearestExisting(p)
		if err != nil {
			return fmt.Errorf("brick %s:%s: %w", d.cfg.Host, p, err)
		}
		if existing == p && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return refusef("brick %s:%s is not a directory", d.cfg.Host, p)
		}
		if st.Dev == root.Dev && !force {
			return refusef("brick %s:%s is on the root filesystem: use a separate filesystem for bricks, or add force to create it there", d.cfg.Host, p)
		}
		if _, err := os.Lstat(filepath.Join(p, ".mortar", "brick.json")); err == nil {
			return refusef("brick %s:%s is already part of a volume (it holds .mortar/brick.json)", d.cfg.Host, p)
		}
	}
	if create {
		for _, p := range paths {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return fmt.Errorf("brick %s:%s: %w", d.cfg.Host, p, err)
			}
		}
	}
	return nil
}

// nearestExisting returns p or its nearest existing ancestor, and its stat.
func nearestExisting(p string) (string, unix.Stat_t, error) {
	for {
		var st unix.Stat_t
		err := unix.Stat(p, &st)
		if err == nil {
			return p, st, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || p == "/" {
			return p, st, err
		}
		p = filepath.Dir(p)
	}
}

// localBricks reports the bricks this peer serves, with their disk space.
func (d *Daemon) localBricks() []*mgmtpb.BrickStatus {
	st := d.State()
	paths := map[string]string{}
	for _, v := range st.Volumes {
		for _, b := range v.Bricks {
			if b.Peer == d.UUID() {
				paths[b.Name] = b.Path
			}
		}
	}
	var out []*mgmtpb.BrickStatus
	for _, name := range d.bricks.Bricks() {
		bs := &mgmtpb.BrickStatus{Host: d.cfg.Host, Name: name, Path: paths[name], Port: int32(d.cfg.Port), Online: true, Pid: int32(os.Getpid())}
		var sf unix.Statfs_t
		if bs.Path != "" && unix.Statfs(bs.Path, &sf) == nil {
			bs.DiskFree = sf.Bavail * uint64(sf.Bsize)
			bs.DiskTotal = sf.Blocks * uint64(sf.Bsize)
		}
		out = append(out, bs)
	}
	return out
}

// volumeStatus asks the peers holding bricks of v about them.
func (d *Daemon) volumeStatus(ctx context.Context, v *VolumeRecord) (*mgmtpb.VolumeStatus, error) {
	st := d.State()
	served := map[string]map[string]*mgmtpb.BrickStatus{} // peer → brick name → status
	errs := map[string]string{}
	for _, b := range v.Bricks {
		if _, done := served[b.Peer]; done || errs[b.Peer] != "" {
			continue
		}
		var list []*mgmtpb.BrickStatus
		if b.Peer == d.UUID() {
			list = d.localBricks()
		} else if p := st.Peers[b.Peer]; p == nil {
			errs[b.Peer] = "peer not in the pool"
			continue
		} else {
			pc, err := d.peers.peer(p.Addr)
			if err == nil {
				var r *mgmtpb.LocalBricksReply
				cctx, cancel := context.WithTimeout(ctx, statusTimeout)
				r, err = pc.LocalBricks(cctx, &mgmtpb.LocalBricksRequest{})
				cancel()
				list = r.GetBricks()
			}
			if err != nil {
				errs[b.Peer] = "peer not reachable"
				continue
			}
		}
		served[b.Peer] = map[string]*mgmtpb.BrickStatus{}
		for _, s := range list {
			served[b.Peer][s.GetName()] = s
		}
	}
	vs := &mgmtpb.VolumeStatus{Name: v.Name}
	for _, b := range v.Bricks {
		bs := &mgmtpb.BrickStatus{Host: b.Host, Path: b.Path, Name: b.Name, Error: errs[b.Peer]}
		if s := served[b.Peer][b.Name]; s != nil {
			bs.Port, bs.Online, bs.Pid, bs.DiskFree, bs.DiskTotal = s.GetPort(), true, s.GetPid(), s.GetDiskFree(), s.GetDiskTotal()
		}
		vs.Bricks = append(vs.Bricks, bs)
	}
	return vs, nil
}

// reconcile serves the local bricks of started volumes and runs the
// VolumeRunner for them, following every change of the pool state until
// the daemon closes.
func (d *Daemon) reconcile() {
	defer d.wg.Done()
	runs := map[string]*volumeRun{}
	defer func() {
		for _, r := range runs {
			r.run.Stop()
		}
	}()
	retry := d.cfg.Timing.RaftHeartbeat * 5
	for {
		st, changed := d.fsm.State()
		failed := d.syncBricks(st)
		d.syncRuns(st, runs)
		var again <-chan time.Time
		if failed {
			t := time.NewTimer(retry)
			again = t.C
			defer t.Stop()
		}
		select {
		case <-d.ctx.Done():
			return
		case <-changed:
		case <-again:
		}
	}
}

// wantedBricks are the bricks of started volumes on this peer.
func (d *Daemon) wantedBricks(st *State) map[string]wantedBrick {
	want := map[string]wantedBrick{}
	self := d.UUID()
	for _, v := range st.Volumes {
		if v.Status != StatusStarted {
			continue
		}
		for _, b := range v.Bricks {
			if b.Peer == self {
				want[b.Name] = wantedBrick{path: b.Path, volumeID: v.ID}
			}
		}
	}
	return want
}

type wantedBrick struct{ path, volumeID string }

// syncBricks adds and removes bricks of the brick server to match st; it
// reports whether a brick failed to start.
func (d *Daemon) syncBricks(st *State) bool {
	want := d.wantedBricks(st)
	for _, name := range d.bricks.Bricks() {
		if _, ok := want[name]; !ok {
			if err := d.bricks.RemoveBrick(name); err != nil {
				d.log.Warn("stopping brick", "brick", name, "err", err)
			}
		}
	}
	served := map[string]bool{}
	for _, n := range d.bricks.Bricks() {
		served[n] = true
	}
	failed := false
	for name, w := range want {
		if served[name] {
			continue
		}
		if err := d.bricks.AddBrick(brickd.BrickConfig{Name: name, Path: w.path}, w.volumeID); err != nil {
			d.log.Error("starting brick", "brick", name, "path", w.path, "err", err)
			failed = true
		}
	}
	return failed
}
