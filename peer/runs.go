package peer

import (
	"github.com/mortarfs/mortar/volume"
)

// volumeRun is the VolumeRunner's run of one volume on this peer.
type volumeRun struct {
	id      string // volume id: a volume deleted and made again is another
	version uint64
	run     VolumeRun
}

// syncRuns starts, updates and stops the runner's runs to match st: one
// per started volume with a brick on this peer.
func (d *Daemon) syncRuns(st *State, runs map[string]*volumeRun) {
	if d.cfg.Runner == nil {
		return
	}
	self := d.UUID()
	for name, r := range runs {
		v := st.Volumes[name]
		if v == nil || v.Status != StatusStarted || v.ID != r.id || !hasBrickOn(v, self) {
			r.run.Stop()
			delete(runs, name)
		}
	}
	for _, v := range st.sortedVolumes() {
		if v.Status != StatusStarted || !hasBrickOn(v, self) {
			continue
		}
		vf, err := st.Volfile(v)
		if err != nil {
			d.log.Warn("volume runner", "volume", v.Name, "err", err)
			continue
		}
		r := runs[v.Name]
		switch {
		case r == nil:
			local := localRefs(st, v, self)
			runs[v.Name] = &volumeRun{id: v.ID, version: v.Version,
				run: d.cfg.Runner.Start(d.ctx, vf, func(b volume.BrickRef) bool { return local[b] })}
		case r.version != v.Version:
			r.version = v.Version
			r.run.Update(vf)
		}
	}
}

func hasBrickOn(v *VolumeRecord, peer string) bool {
	for _, b := range v.Bricks {
		if b.Peer == peer {
			return true
		}
	}
	return false
}

// localRefs are the refs of v's bricks on peer.
func localRefs(st *State, v *VolumeRecord, peer string) map[volume.BrickRef]bool {
	out := map[volume.BrickRef]bool{}
	p := st.Peers[peer]
	for _, b := range v.Bricks {
		if b.Peer == peer && p != nil {
			out[volume.BrickRef{Addr: p.Addr, Name: b.Name}] = true
		}
	}
	return out
}
