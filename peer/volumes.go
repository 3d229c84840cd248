package peer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
	"github.com/mortarfs/mortar/volume"
)

// statusTimeout bounds the question to one peer of volume status.
const statusTimeout = 3 * time.Second

// startWait bounds the wait of volume start for its bricks to be served.
const startWait = 10 * time.Second

// createVolume validates a volume create on the pool state and on the
// peers holding the bricks, then commits it.
func (d *Daemon) createVolume(ctx context.Context, req *mgmtpb.VolumeCreateRequest) (*VolumeRecord, error) {
	cr := volume.CreateRequest{Name: req.GetName(), Replica: int(req.GetReplica()), Arbiter: req.GetArbiter(), Force: req.GetForce()}
	for _, s := range req.GetBricks() {
		b, err := volume.ParseBrickSpec(s)
		if err != nil {
			return nil, err
		}
		cr.Bricks = append(cr.Bricks, b)
	}
	d.catchUp(ctx)
	st := d.State()
	peers, err := cr.Validate(st.poolView())
	if err != nil {
		return nil, err
	}
	byPeer := map[string][]string{}
	for i, b := range cr.Bricks {
		byPeer[peers[i]] = append(byPeer[peers[i]], b.Path)
	}
	for uuid, paths := range byPeer {
		if err := d.checkBricksOn(ctx, st.Peers[uuid], paths, cr.Force, false); err != nil {
			return nil, err
		}
	}
	if err := d.propose(ctx, &Command{Op: opCreate, Create: &cr, VolumeID: newUUID()}); err != nil {
		return nil, err
	}
	// Directories are made once the create is committed: a create that
	// loses a race for the name (or fails) leaves nothing on any peer.
	for uuid, paths := range byPeer {
		if err := d.checkBricksOn(ctx, st.Peers[uuid], paths, cr.Force, true); err != nil {
			d.log.Warn("volume created, but a brick directory could not be made; volume start will report it", "volume", cr.Name, "peer", st.Peers[uuid].Host, "err", err)
		}
	}
	return d.State().Volumes[cr.Name], nil
}

// checkBricksOn runs CheckBricks on the peer p (here when p is this peer).
func (d *Daemon) checkBricksOn(ctx context.Context, p *PeerRecord, paths []string, force, create bool) error {
	if p.UUID == d.UUID() {
		return d.checkBricks(paths, force, create)
	}
	pc, err := d.peers.peer(p.Addr)
	if err != nil {
		return err
	}
	if _, err := pc.CheckBricks(ctx, &mgmtpb.CheckBricksRequest{Paths: paths, Force: force, Create: create}); err != nil {
		if s, ok := status.FromError(err); ok && s.Code() == codes.Unavailable {
			return status.Errorf(codes.Unavailable, "peer %s is not reachable: %s", p.Host, s.Message())
		}
		return err // the peer's refusal, as it said it
	}
	return nil
}

// volumeOp commits start, stop or delete of a volume. A start waits until
// the bricks on reachable peers are served and says which bricks wait for
// their peer to return.
func (d *Daemon) volumeOp(ctx context.Context, op, name string, force bool) (*VolumeRecord, string, error) {
	if err := d.propose(ctx, &Command{Op: op, Volume: name, Force: force}); err != nil {
		return nil, "", err
	}
	v := d.State().Volumes[name]
	if op != opStart || v == nil {
		return v, "", nil
	}
	wctx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	away, err := d.waitBricksOnline(wctx, v)
	if err != nil {
		return v, "", fmt.Errorf("volume %s started, but %w", name, err)
	}
	if len(away) > 0 {
		return v, fmt.Sprintf(" (bricks %s start when their peers return)", strings.Join(away, ", ")), nil
	}
	return v, "", nil
}

// waitBricksOnline waits until every brick of v on a reachable peer is
// served; it returns the bricks whose peer is not reachable.
func (d *Daemon) waitBricksOnline(ctx context.Context, v *VolumeRecord) ([]string, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := d.volumeStatus(ctx, v)
		if err != nil {
			return nil, err
		}
		var off, away []string
		for _, b := range st.GetBricks() {
			switch {
			case b.GetError() != "":
				away = append(away, b.GetHost()+":"+b.GetPath())
			case !b.GetOnline():
				off = append(off, b.GetHost()+":"+b.GetPath())
			}
		}
		if len(off) == 0 {
			return away, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("bricks %s are not online (see the logs of their peers)", strings.Join(off, ", "))
		case <-tick.C:
		}
	}
}

// setOptions validates and commits volume options.
func (d *Daemon) setOptions(ctx context.Context, name string, opts map[string]string) (*VolumeRecord, error) {
	if len(opts) == 0 {
		return nil, refusef("no option given")
	}
	for k, v := range opts {
		if _, err := volume.CheckOption(k, v); err != nil {
			return nil, refusef("%v", err)
		}
	}
	if err := d.propose(ctx, &Command{Op: opSet, Volume: name, Options: opts}); err != nil {
		return nil, err
	}
	return d.State().Volumes[name], nil
}

// resetOptions commits the reset of options (all when none is named).
func (d *Daemon) resetOptions(ctx context.Context, name string, opts []string) (*VolumeRecord, error) {
	if err := d.propose(ctx, &Command{Op: opReset, Volume: name, Reset: opts}); err != nil {
		return nil, err
	}
	return d.State().Volumes[name], nil
}

// volumeInfo describes v.
func volumeInfo(st *State, v *VolumeRecord) *mgmtpb.VolumeInfo {
	vi := &mgmtpb.VolumeInfo{Name: v.Name, Id: v.ID, Status: v.Status, Replica: int32(v.Replica), Arbiter: v.Arbiter,
		Options: v.Options, Version: v.Version}
	sets := len(v.Bricks) / max(v.Replica, 1)
	switch {
	case v.Replica <= 1:
		vi.Type = "Distribute"
	case sets > 1:
		vi.Type = "Distributed-Replicate"
	default:
		vi.Type = "Replicate"
	}
	for i, b := range v.Bricks {
		bi := &mgmtpb.BrickInfo{Host: b.Host, Path: b.Path, Name: b.Name, Peer: b.Peer,
			Arbiter: v.Arbiter && i%v.Replica == v.Replica-1}
		if p := st.Peers[b.Peer]; p != nil {
			bi.Addr = p.Addr
		}
		vi.Bricks = append(vi.Bricks, bi)
	}
	return vi
}

// volumeGet lists the options of a volume with their values.
func volumeGet(v *VolumeRecord, name string) ([]*mgmtpb.OptionValue, error) {
	var out []*mgmtpb.OptionValue
	for _, o := range volume.OptionSpecs() {
		if name != "" && name != "all" && o.Name != name {
			continue
		}
		val, set := v.Options[o.Name]
		if !set {
			val = o.Default
		}
		out = append(out, &mgmtpb.OptionValue{Name: o.Name, Value: val, IsDefault: !set, Description: o.Description})
	}
	if len(out) == 0 {
		return nil, refusef("option %s does not exist", name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
