package peer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// proposeTimeout bounds a change's wait for its commit.
const proposeTimeout = 15 * time.Second

// propose commits c through the raft leader (forwarding it when this peer
// is a follower) and waits until this peer has applied it, so that the
// caller reads its own change. The command's refusal, if any, comes back
// as the error.
func (d *Daemon) propose(ctx context.Context, c *Command) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("pool command: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, proposeTimeout)
	defer cancel()
	index, err := d.submit(ctx, data)
	if err != nil {
		return err
	}
	return d.waitApplied(ctx, index)
}

// submit applies data on the leader and returns its index. When the
// leader this peer knows cannot even be dialled (it just died; the others
// have not yet elected a new one) the command was never sent, so it is
// sent again to the next leader, for a few election timeouts.
func (d *Daemon) submit(ctx context.Context, data []byte) (uint64, error) {
	retry := time.NewTimer(10 * d.cfg.Timing.RaftHeartbeat)
	defer retry.Stop()
	for {
		index, leader, err := d.submitOnce(ctx, data)
		if !neverSent(err) {
			return index, err
		}
		select {
		case <-time.After(d.cfg.Timing.RaftHeartbeat / 5):
		case <-retry.C:
			return 0, d.noQuorum(fmt.Sprintf("leader %s unreachable", leader))
		case <-ctx.Done():
			return 0, d.noQuorum(fmt.Sprintf("leader %s unreachable", leader))
		}
	}
}

func (d *Daemon) submitOnce(ctx context.Context, data []byte) (uint64, raft.ServerAddress, error) {
	r := d.raft()
	if r == nil {
		return 0, "", errors.New("daemon is closing")
	}
	leader := d.waitLeader(ctx)
	if leader == "" {
		return 0, "", d.noQuorum("no leader elected")
	}
	if r.State() == raft.Leader {
		index, err := d.applyLocal(ctx, data)
		return index, leader, err
	}
	pc, err := d.peers.peer(string(leader))
	if err != nil {
		return 0, leader, err
	}
	reply, err := pc.Propose(ctx, &mgmtpb.ProposeRequest{Command: data})
	if err == nil || neverSent(err) {
		return reply.GetIndex(), leader, err
	}
	if s, _ := status.FromError(err); s.Code() == codes.Unavailable && !strings.HasPrefix(s.Message(), "no quorum of the pool") {
		// The leader did not answer (a refusal of the leader passes as is).
		return 0, leader, d.noQuorum(fmt.Sprintf("leader %s unreachable", leader))
	}
	return 0, leader, err
}

// neverSent says whether err is a forward that failed to connect: the
// leader cannot have received the command, so sending it again cannot
// apply it twice.
func neverSent(err error) bool {
	s, ok := status.FromError(err)
	return err != nil && ok && s.Code() == codes.Unavailable && strings.Contains(s.Message(), "Error while dialing")
}

// waitLeader returns the leader's address, waiting for one to be
// elected: a few election timeouts when gossip sees no majority of the
// voters alive (there cannot be one), longer while a majority is alive
// and only electing; "" when there is none.
func (d *Daemon) waitLeader(ctx context.Context) raft.ServerAddress {
	hb := d.cfg.Timing.RaftHeartbeat
	start := time.Now()
	tick := time.NewTicker(hb / 20)
	defer tick.Stop()
	for {
		if r := d.raft(); r != nil {
			if leader, _ := r.LeaderWithID(); leader != "" {
				return leader
			}
		}
		waited := time.Since(start)
		if waited > 40*hb || waited > 5*hb && !d.majorityAlive() {
			return ""
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ""
		}
	}
}

// majorityAlive says whether gossip holds a majority of the voters alive.
func (d *Daemon) majorityAlive() bool {
	voters, up := d.votersUp()
	return voters > 0 && up > voters/2
}

// applyLocal applies data on this peer, which must be the leader.
func (d *Daemon) applyLocal(ctx context.Context, data []byte) (uint64, error) {
	r := d.raft()
	if r == nil {
		return 0, errors.New("daemon is closing")
	}
	timeout := time.Until(deadline(ctx))
	f := r.Apply(data, timeout)
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
			errors.Is(err, raft.ErrEnqueueTimeout), errors.Is(err, raft.ErrLeadershipTransferInProgress):
			return 0, d.noQuorum(err.Error())
		}
		return 0, fmt.Errorf("pool log: %w", err)
	}
	if err, ok := f.Response().(error); ok && err != nil {
		return 0, err
	}
	return f.Index(), nil
}

func deadline(ctx context.Context) time.Time {
	if t, ok := ctx.Deadline(); ok {
		return t
	}
	return time.Now().Add(proposeTimeout)
}

// waitApplied waits until this peer's state has applied index.
func (d *Daemon) waitApplied(ctx context.Context, index uint64) error {
	for {
		s, changed := d.fsm.State()
		if s.Index >= index {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for pool change %d: %w", index, ctx.Err())
		}
	}
}

// noQuorum explains a change that cannot be committed.
func (d *Daemon) noQuorum(why string) error {
	voters, up := d.votersUp()
	return noQuorumf("%s (%d of %d voting peers reachable); changes are refused until a majority is back, volumes keep serving", why, up, voters)
}

// votersUp counts the voting peers of the raft configuration and those
// of them gossip holds alive.
func (d *Daemon) votersUp() (total, up int) {
	r := d.raft()
	if r == nil {
		return 0, 0
	}
	alive := d.aliveSet()
	vs := voters(r)
	for _, s := range vs {
		if alive[string(s.ID)] {
			up++
		}
	}
	return len(vs), up
}

// aliveSet is the set of peer uuids gossip holds alive.
func (d *Daemon) aliveSet() map[string]bool {
	d.mu.Lock()
	ml := d.ml
	d.mu.Unlock()
	if ml == nil {
		return map[string]bool{}
	}
	return gossipStates(ml)
}

// registerSelf adds this peer's record to the pool state when it is the
// leader and the state is empty (the pool it bootstrapped on its first
// start or after leaving a pool), and updates it when its addresses
// changed.
func (d *Daemon) registerSelf() {
	defer d.wg.Done()
	for {
		s, changed := d.fsm.State()
		self := d.self()
		p, ok := s.Peers[self.UUID]
		if ok && p.Addr == self.Addr && p.Gossip == self.Gossip {
			select {
			case <-changed:
				continue
			case <-d.ctx.Done():
				return
			}
		}
		r := d.raft()
		// Missing from a non-empty state means removed (detached): this
		// peer must not add itself back.
		if r != nil && r.State() == raft.Leader && (ok || len(s.Peers) == 0) {
			if ok {
				self.Host = p.Host // the name it was probed by
			}
			data, _ := json.Marshal(&Command{Op: opAddPeer, Peer: self})
			ctx, cancel := context.WithTimeout(d.ctx, proposeTimeout)
			if _, err := d.applyLocal(ctx, data); err != nil {
				d.log.Warn("registering this peer in the pool", "err", err)
			}
			cancel()
			continue
		}
		select {
		case <-changed:
		case <-time.After(d.cfg.Timing.RaftHeartbeat):
		case <-d.ctx.Done():
			return
		}
	}
}

// catchUpTimeout bounds a read's wait for the leader's state.
const catchUpTimeout = 2 * time.Second

// catchUp waits (briefly) until this peer has applied what the leader has
// applied, so that a read after a change made through another peer sees
// it. Without a leader the read is served from the local state.
func (d *Daemon) catchUp(ctx context.Context) {
	if d.State().Peers[d.UUID()] == nil {
		_ = d.waitRegistered(ctx) // a daemon just born
	}
	r := d.raft()
	if r == nil || r.State() == raft.Leader {
		return
	}
	leader, _ := r.LeaderWithID()
	if leader == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	pc, err := d.peers.peer(string(leader))
	if err != nil {
		return
	}
	h, err := pc.Hello(ctx, &mgmtpb.HelloRequest{})
	if err != nil {
		return
	}
	_ = d.waitApplied(ctx, h.GetApplied())
}
