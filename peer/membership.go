package peer

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// memberTimeout bounds raft configuration changes.
const memberTimeout = 10 * time.Second

// withPort adds the default port to a HOST without one.
func withPort(host string) (hostname, addr string) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h, host
	}
	return host, net.JoinHostPort(host, strconv.Itoa(DefaultPort))
}

// probe adds the daemon at host to this peer's pool.
func (d *Daemon) probe(ctx context.Context, host string) (string, *PeerRecord, error) {
	d.poolMu.Lock()
	defer d.poolMu.Unlock()
	hostname, addr := withPort(host)
	st := d.State()
	if p := st.peerByHost(hostname); p != nil && (p.Addr == addr || hostname == host) {
		if p.UUID == d.UUID() {
			return fmt.Sprintf("probe on localhost not needed (%s is this peer)", host), p, nil
		}
		return fmt.Sprintf("host %s is already in the pool", host), p, nil
	}
	pc, err := d.peers.peer(addr)
	if err != nil {
		return "", nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	hello, err := pc.Hello(hctx, &mgmtpb.HelloRequest{})
	cancel()
	if err != nil {
		return "", nil, status.Errorf(codes.Unavailable, "host %s is not reachable (is mortar daemon running there?): %v", host, status.Convert(err).Message())
	}
	id := d.identity()
	switch {
	case hello.GetSelf().GetUuid() == id.UUID:
		return fmt.Sprintf("probe on localhost not needed (%s is this peer)", host), d.self(), nil
	case hello.GetPoolId() == id.PoolID:
		return fmt.Sprintf("host %s is already in the pool", host), nil, nil
	case !hello.GetAlone():
		return "", nil, refusef("host %s is already part of another pool (detach it from that pool first)", host)
	}
	if d.waitLeader(ctx) == "" {
		return "", nil, d.noQuorum("no leader elected")
	}
	if err := d.waitRegistered(ctx); err != nil {
		return "", nil, err
	}
	var gossip []string
	for _, p := range st.Peers {
		gossip = append(gossip, p.Gossip)
	}
	joined, err := pc.Join(ctx, &mgmtpb.JoinRequest{PoolId: id.PoolID, Key: id.Key, Gossip: gossip})
	if err != nil {
		return "", nil, fmt.Errorf("host %s refused to join: %w", host, err)
	}
	rec := &PeerRecord{UUID: joined.GetSelf().GetUuid(), Host: hostname, Addr: addr, Gossip: joined.GetSelf().GetGossipAddr()}
	if err := d.changeMember(ctx, rec, false, false); err != nil {
		if _, lerr := pc.Leave(context.WithoutCancel(ctx), &mgmtpb.LeaveRequest{PoolId: id.PoolID}); lerr != nil {
			d.log.Warn("probe failed and the probed peer did not leave", "host", host, "err", lerr)
		}
		return "", nil, err
	}
	return "peer probe: success", rec, nil
}

// waitRegistered waits (a few election timeouts) until this peer's own
// record is in the pool state.
func (d *Daemon) waitRegistered(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*d.cfg.Timing.RaftHeartbeat)
	defer cancel()
	for {
		s, changed := d.fsm.State()
		if s.Peers[d.UUID()] != nil {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return d.noQuorum("this peer is not yet recorded in its pool")
		}
	}
}

// changeMember adds or removes a peer through the leader: the pool state
// first, then the raft configuration.
func (d *Daemon) changeMember(ctx context.Context, rec *PeerRecord, remove, force bool) error {
	r := d.raft()
	if r == nil {
		return fmt.Errorf("daemon is closing")
	}
	req := &mgmtpb.AddMemberRequest{Peer: peerInfo(rec), Remove: remove, Force: force}
	var index uint64
	for attempt := 0; ; attempt++ {
		i, err := d.addMemberOnLeader(ctx, r, req)
		if leaderChanging(err) && attempt < 5 {
			// Leadership moves (the leader is the peer removed, or lost
			// it meanwhile): ask again once a leader is known.
			select {
			case <-time.After(d.cfg.Timing.RaftHeartbeat):
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if err != nil {
			return err
		}
		index = i
		break
	}
	wctx, cancel := context.WithTimeout(ctx, proposeTimeout)
	defer cancel()
	return d.waitApplied(wctx, index)
}

// errLeaderMoved: the leader asked to remove itself handed leadership over.
const errLeaderMoved = "leadership moved: ask the new leader"

// leaderChanging says whether a membership change failed because the
// leadership moved (worth asking again).
func leaderChanging(err error) bool {
	if err == nil {
		return false
	}
	s := status.Convert(err)
	if s.Code() == codes.Aborted && s.Message() == errLeaderMoved {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "leadership lost") || strings.Contains(msg, "not the leader") ||
		strings.Contains(msg, raft.ErrNotLeader.Error()) || strings.Contains(msg, "leadership transfer")
}

// addMemberOnLeader runs addMember here or on the leader.
func (d *Daemon) addMemberOnLeader(ctx context.Context, r *raft.Raft, req *mgmtpb.AddMemberRequest) (uint64, error) {
	leader := d.waitLeader(ctx)
	if leader == "" {
		return 0, d.noQuorum("no leader elected")
	}
	if r.State() == raft.Leader {
		return d.addMember(ctx, req)
	}
	pc, err := d.peers.peer(string(leader))
	if err != nil {
		return 0, err
	}
	reply, err := pc.AddMember(ctx, req)
	if err != nil {
		return 0, err
	}
	return reply.GetIndex(), nil
}

// addMember runs on the leader: it records (or removes) the peer in the
// pool state and changes the raft configuration, keeping at most
// maxVoters voters.
func (d *Daemon) addMember(ctx context.Context, req *mgmtpb.AddMemberRequest) (uint64, error) {
	r := d.raft()
	if r == nil || r.State() != raft.Leader {
		return 0, status.Error(codes.Unavailable, "not the leader")
	}
	rec := peerRecord(req.GetPeer())
	if req.GetRemove() && rec.UUID == d.UUID() {
		// The leader does not remove itself: it hands leadership over and
		// the caller asks the new leader.
		if err := r.LeadershipTransfer().Error(); err != nil {
			return 0, d.noQuorum(fmt.Sprintf("handing leadership over: %v", err))
		}
		return 0, status.Error(codes.Aborted, errLeaderMoved)
	}
	op := opAddPeer
	if req.GetRemove() {
		op = opRemovePeer
	}
	ctx, cancel := context.WithTimeout(ctx, proposeTimeout)
	defer cancel()
	index := d.fsm.index()
	if _, there := d.State().Peers[rec.UUID]; there || !req.GetRemove() {
		// Removing a peer already gone from the state (a retry) only
		// changes the raft configuration.
		data, _ := json.Marshal(&Command{Op: op, Peer: rec, Force: req.GetForce()})
		i, err := d.applyLocal(ctx, data)
		if err != nil {
			return 0, err
		}
		index = i
	}
	cf := r.GetConfiguration()
	if err := cf.Error(); err != nil {
		return 0, fmt.Errorf("raft configuration: %w", err)
	}
	voters, var_ := 0, []raft.Server{}
	for _, s := range cf.Configuration().Servers {
		if s.Suffrage == raft.Voter && s.ID != raft.ServerID(rec.UUID) {
			voters++
		}
		if s.Suffrage == raft.Nonvoter && s.ID != raft.ServerID(rec.UUID) {
			var_ = append(var_, s)
		}
	}
	id, addr := raft.ServerID(rec.UUID), raft.ServerAddress(rec.Addr)
	var f raft.IndexFuture
	switch {
	case req.GetRemove():
		f = r.RemoveServer(id, 0, memberTimeout)
	case voters < maxVoters:
		f = r.AddVoter(id, addr, 0, memberTimeout)
	default:
		f = r.AddNonvoter(id, addr, 0, memberTimeout)
	}
	if err := f.Error(); err != nil {
		return 0, d.noQuorum(fmt.Sprintf("raft membership change: %v", err))
	}
	if req.GetRemove() && voters < maxVoters && len(var_) > 0 {
		s := var_[0]
		if err := r.AddVoter(s.ID, s.Address, 0, memberTimeout).Error(); err != nil {
			d.log.Warn("promoting a non-voter", "peer", s.ID, "err", err)
		}
	}
	return index, nil
}

// alone says whether this daemon is a pool of its own without volumes
// (it may join another pool).
func (d *Daemon) alone() bool {
	s := d.State()
	if len(s.Volumes) > 0 {
		return false
	}
	for u := range s.Peers {
		if u != d.UUID() {
			return false
		}
	}
	return true
}

// join makes this daemon, alone, a member of another pool: it forgets its
// pool (raft log and state), takes the pool's key and gossips with its
// members; the leader then adds it to the raft configuration and it
// catches up from the log.
func (d *Daemon) join(req *mgmtpb.JoinRequest) error {
	d.poolMu.Lock()
	defer d.poolMu.Unlock()
	if id := d.identity(); id.PoolID == req.GetPoolId() {
		return nil
	}
	if !d.alone() {
		return refusef("%s is already part of another pool", d.cfg.Host)
	}
	if len(req.GetKey()) != 32 || req.GetPoolId() == "" {
		return refusef("join: bad pool id or key")
	}
	if err := d.resetPool(req.GetPoolId(), req.GetKey()); err != nil {
		return err
	}
	d.mu.Lock()
	ml := d.ml
	d.mu.Unlock()
	if _, err := ml.Join(req.GetGossip()); err != nil {
		d.log.Warn("gossip join", "err", err)
	}
	d.log.Info("joined pool", "pool", req.GetPoolId())
	return nil
}

// leave makes this daemon a pool of its own again (it was detached).
func (d *Daemon) leave(poolID string) error {
	d.poolMu.Lock()
	defer d.poolMu.Unlock()
	if d.identity().PoolID != poolID {
		return refusef("not a member of pool %s", poolID)
	}
	if err := d.resetPool("", nil); err != nil {
		return err
	}
	d.log.Info("left the pool: a pool of its own again")
	return nil
}

// resetPool stops raft, forgets the pool's log and state and restarts raft
// in pool poolID with key (a new pool of its own when poolID is "").
func (d *Daemon) resetPool(poolID string, key []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.node == nil {
		return fmt.Errorf("daemon is closing")
	}
	if err := d.node.stop(); err != nil {
		d.log.Warn("raft shutdown", "err", err)
	}
	d.node = nil
	if err := os.RemoveAll(d.raftDir()); err != nil {
		return fmt.Errorf("forgetting the pool log: %w", err)
	}
	d.fsm.reset()
	if poolID == "" {
		d.id.newPool()
	} else {
		d.id.PoolID, d.id.Key = poolID, append([]byte(nil), key...)
	}
	if err := d.id.save(d.cfg.StateDir); err != nil {
		return err
	}
	if err := useKey(d.keyring, d.id.Key); err != nil {
		return err
	}
	node, err := d.startRaft(poolID == "")
	if err != nil {
		return err
	}
	d.node = node
	return nil
}

// detach removes the peer known as host from the pool.
func (d *Daemon) detach(ctx context.Context, host string, force bool) (string, error) {
	d.poolMu.Lock()
	defer d.poolMu.Unlock()
	hostname, _ := withPort(host)
	st := d.State()
	p := st.peerByHost(hostname)
	if p == nil {
		return "", notFoundf("host %s is not part of the pool", host)
	}
	if p.UUID == d.UUID() {
		return "", refusef("%s is this peer (localhost): detach it from another peer of the pool", host)
	}
	if vols := st.bricksOf(p.UUID); len(vols) > 0 && !force {
		return "", refusef("peer %s holds bricks of volume %s: move or delete them first, or use force", host, vols[0])
	}
	pc, err := d.peers.peer(p.Addr)
	if err != nil {
		return "", err
	}
	hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, herr := pc.Hello(hctx, &mgmtpb.HelloRequest{})
	cancel()
	if herr != nil && !force {
		return "", refusef("peer %s is not connected: use force to detach it anyway", host)
	}
	if err := d.changeMember(ctx, p, true, force); err != nil {
		return "", err
	}
	if herr == nil {
		if _, err := pc.Leave(ctx, &mgmtpb.LeaveRequest{PoolId: d.identity().PoolID}); err != nil {
			d.log.Warn("detached peer did not leave", "host", host, "err", err)
		}
	}
	return "peer detach: success", nil
}

func peerInfo(p *PeerRecord) *mgmtpb.PeerInfo {
	return &mgmtpb.PeerInfo{Uuid: p.UUID, Host: p.Host, Addr: p.Addr, GossipAddr: p.Gossip}
}

func peerRecord(p *mgmtpb.PeerInfo) *PeerRecord {
	return &PeerRecord{UUID: p.GetUuid(), Host: p.GetHost(), Addr: p.GetAddr(), Gossip: p.GetGossipAddr()}
}
