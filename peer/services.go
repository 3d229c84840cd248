package peer

import (
	"context"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// poolService serves the CLI's commands (mgmt.proto, service Pool).
type poolService struct {
	mgmtpb.UnimplementedPoolServer
	d *Daemon
}

func (s *poolService) Probe(ctx context.Context, req *mgmtpb.ProbeRequest) (*mgmtpb.ProbeReply, error) {
	if req.GetHost() == "" {
		return nil, status.Error(codes.InvalidArgument, "no host given")
	}
	msg, p, err := s.d.probe(ctx, req.GetHost())
	if err != nil {
		return nil, toStatus(err)
	}
	r := &mgmtpb.ProbeReply{Message: msg}
	if p != nil {
		r.Peer = peerInfo(p)
	}
	return r, nil
}

func (s *poolService) Detach(ctx context.Context, req *mgmtpb.DetachRequest) (*mgmtpb.DetachReply, error) {
	msg, err := s.d.detach(ctx, req.GetHost(), req.GetForce())
	if err != nil {
		return nil, toStatus(err)
	}
	return &mgmtpb.DetachReply{Message: msg}, nil
}

func (s *poolService) Peers(ctx context.Context, _ *mgmtpb.PeersRequest) (*mgmtpb.PeersReply, error) {
	s.d.catchUp(ctx)
	d := s.d
	st := d.State()
	alive := d.aliveSet()
	roles := map[string]string{}
	reply := &mgmtpb.PeersReply{Self: d.UUID(), PoolId: d.identity().PoolID}
	if r := d.raft(); r != nil {
		if f := r.GetConfiguration(); f.Error() == nil {
			for _, srv := range f.Configuration().Servers {
				roles[string(srv.ID)] = map[raft.ServerSuffrage]string{raft.Voter: "voter", raft.Nonvoter: "nonvoter"}[srv.Suffrage]
			}
		}
		_, lid := r.LeaderWithID()
		reply.Leader = string(lid)
	}
	for _, p := range st.sortedPeers() {
		pi := peerInfo(p)
		pi.State = "Disconnected"
		if alive[p.UUID] || p.UUID == reply.Self {
			pi.State = "Connected"
		}
		pi.Role = roles[p.UUID]
		reply.Peers = append(reply.Peers, pi)
	}
	return reply, nil
}

func (s *poolService) VolumeCreate(ctx context.Context, req *mgmtpb.VolumeCreateRequest) (*mgmtpb.VolumeReply, error) {
	v, err := s.d.createVolume(ctx, req)
	if err != nil {
		return nil, toStatus(err)
	}
	return s.reply("volume create: "+req.GetName()+": success: please start the volume to access data", v), nil
}

func (s *poolService) reply(msg string, v *VolumeRecord) *mgmtpb.VolumeReply {
	r := &mgmtpb.VolumeReply{Message: msg}
	if v != nil {
		r.Volume = volumeInfo(s.d.State(), v)
	}
	return r
}

func (s *poolService) volumeOp(ctx context.Context, op string, req *mgmtpb.VolumeRequest) (*mgmtpb.VolumeReply, error) {
	v, note, err := s.d.volumeOp(ctx, op, req.GetName(), req.GetForce())
	if err != nil {
		return nil, toStatus(err)
	}
	return s.reply("volume "+op+": "+req.GetName()+": success"+note, v), nil
}

func (s *poolService) VolumeStart(ctx context.Context, req *mgmtpb.VolumeRequest) (*mgmtpb.VolumeReply, error) {
	return s.volumeOp(ctx, opStart, req)
}

func (s *poolService) VolumeStop(ctx context.Context, req *mgmtpb.VolumeRequest) (*mgmtpb.VolumeReply, error) {
	return s.volumeOp(ctx, opStop, req)
}

func (s *poolService) VolumeDelete(ctx context.Context, req *mgmtpb.VolumeRequest) (*mgmtpb.VolumeReply, error) {
	return s.volumeOp(ctx, opDelete, req)
}

func (s *poolService) VolumeSet(ctx context.Context, req *mgmtpb.VolumeSetRequest) (*mgmtpb.VolumeReply, error) {
	v, err := s.d.setOptions(ctx, req.GetName(), req.GetOptions())
	if err != nil {
		return nil, toStatus(err)
	}
	return s.reply("volume set: success", v), nil
}

func (s *poolService) VolumeReset(ctx context.Context, req *mgmtpb.VolumeResetRequest) (*mgmtpb.VolumeReply, error) {
	v, err := s.d.resetOptions(ctx, req.GetName(), req.GetOptions())
	if err != nil {
		return nil, toStatus(err)
	}
	return s.reply("volume reset: success: reset volume successful", v), nil
}

func (s *poolService) VolumeInfo(ctx context.Context, req *mgmtpb.VolumeInfoRequest) (*mgmtpb.VolumeInfoReply, error) {
	s.d.catchUp(ctx)
	st := s.d.State()
	reply := &mgmtpb.VolumeInfoReply{}
	for _, v := range st.sortedVolumes() {
		if req.GetName() == "" || req.GetName() == v.Name {
			reply.Volumes = append(reply.Volumes, volumeInfo(st, v))
		}
	}
	if req.GetName() != "" && len(reply.Volumes) == 0 {
		return nil, toStatus(notFoundf("volume %s does not exist", req.GetName()))
	}
	return reply, nil
}

func (s *poolService) VolumeGet(ctx context.Context, req *mgmtpb.VolumeGetRequest) (*mgmtpb.VolumeGetReply, error) {
	s.d.catchUp(ctx)
	v := s.d.State().Volumes[req.GetName()]
	if v == nil {
		return nil, toStatus(notFoundf("volume %s does not exist", req.GetName()))
	}
	opts, err := volumeGet(v, req.GetOption())
	if err != nil {
		return nil, toStatus(err)
	}
	return &mgmtpb.VolumeGetReply{Options: opts}, nil
}

func (s *poolService) VolumeStatus(ctx context.Context, req *mgmtpb.VolumeInfoRequest) (*mgmtpb.VolumeStatusReply, error) {
	s.d.catchUp(ctx)
	st := s.d.State()
	reply := &mgmtpb.VolumeStatusReply{}
	if n := req.GetName(); n != "" {
		v := st.Volumes[n]
		if v == nil {
			return nil, toStatus(notFoundf("volume %s does not exist", n))
		}
		if v.Status != StatusStarted {
			return nil, toStatus(notStartedf("volume %s is not started", n))
		}
	}
	for _, v := range st.sortedVolumes() {
		if (req.GetName() != "" && req.GetName() != v.Name) || v.Status != StatusStarted {
			continue
		}
		vs, err := s.d.volumeStatus(ctx, v)
		if err != nil {
			return nil, toStatus(err)
		}
		reply.Volumes = append(reply.Volumes, vs)
	}
	return reply, nil
}

// peerService serves the calls of the other peers (mgmt.proto, service Peer).
type peerService struct {
	mgmtpb.UnimplementedPeerServer
	d *Daemon
}

func (s *peerService) Hello(ctx context.Context, _ *mgmtpb.HelloRequest) (*mgmtpb.HelloReply, error) {
	self := peerInfo(s.d.self())
	return &mgmtpb.HelloReply{Self: self, PoolId: s.d.identity().PoolID, Alone: s.d.alone(), Applied: s.d.fsm.index()}, nil
}

func (s *peerService) Join(ctx context.Context, req *mgmtpb.JoinRequest) (*mgmtpb.JoinReply, error) {
	if err := s.d.join(req); err != nil {
		return nil, toStatus(err)
	}
	return &mgmtpb.JoinReply{Self: peerInfo(s.d.self())}, nil
}

func (s *peerService) Leave(ctx context.Context, req *mgmtpb.LeaveRequest) (*mgmtpb.LeaveReply, error) {
	if err := s.d.leave(req.GetPoolId()); err != nil {
		return nil, toStatus(err)
	}
	return &mgmtpb.LeaveReply{}, nil
}

func (s *peerService) Propose(ctx context.Context, req *mgmtpb.ProposeRequest) (*mgmtpb.ProposeReply, error) {
	if r := s.d.raft(); r == nil || r.State() != raft.Leader {
		return nil, toStatus(s.d.noQuorum("the peer asked is no longer the leader"))
	}
	index, err := s.d.applyLocal(ctx, req.GetCommand())
	if err != nil {
		return nil, toStatus(err)
	}
	return &mgmtpb.ProposeReply{Index: index}, nil
}

func (s *peerService) AddMember(ctx context.Context, req *mgmtpb.AddMemberRequest) (*mgmtpb.AddMemberReply, error) {
	index, err := s.d.addMember(ctx, req)
	if err != nil {
		return nil, toStatus(err)
	}
	return &mgmtpb.AddMemberReply{Index: index}, nil
}

func (s *peerService) CheckBricks(ctx context.Context, req *mgmtpb.CheckBricksRequest) (*mgmtpb.CheckBricksReply, error) {
	if err := s.d.checkBricks(req.GetPaths(), req.GetForce(), req.GetCreate()); err != nil {
		return nil, toStatus(err)
	}
	return &mgmtpb.CheckBricksReply{}, nil
}

func (s *peerService) LocalBricks(ctx context.Context, _ *mgmtpb.LocalBricksRequest) (*mgmtpb.LocalBricksReply, error) {
	return &mgmtpb.LocalBricksReply{Bricks: s.d.localBricks()}, nil
}
