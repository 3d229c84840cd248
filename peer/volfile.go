package peer

import (
	"context"
	"encoding/json"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
	"github.com/mortarfs/mortar/volume"
)

// mgmtService is the client-facing part of the management service: the
// volfiles clients mount from.
type mgmtService struct {
	mgmtpb.UnimplementedMgmtServer
	d *Daemon
}

// volfileFor returns the volfile reply of volume name for the client of
// ctx: NotFound for an unknown volume, FailedPrecondition for one not
// started, PermissionDenied for a client refused by auth.allow and
// auth.reject.
func volfileFor(ctx context.Context, st *State, name string) (*mgmtpb.VolfileReply, error) {
	v := st.Volumes[name]
	if v == nil {
		return nil, notFoundf("volume %s does not exist", name)
	}
	if v.Status != StatusStarted {
		return nil, notStartedf("volume %s is not started", name)
	}
	if ip, remote := clientIP(ctx); remote && !volume.AuthAllows(v.Options["auth.allow"], v.Options["auth.reject"], ip) {
		return nil, &stateError{errPermission, fmt.Sprintf("client %s is not allowed to mount volume %s (auth.allow/auth.reject)", ip, name)}
	}
	vf, err := st.Volfile(v)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(vf)
	if err != nil {
		return nil, fmt.Errorf("volfile of %s: %w", name, err)
	}
	return &mgmtpb.VolfileReply{Version: v.Version, Volfile: b}, nil
}

// clientIP is the address of the client of ctx; remote is false for the
// local unix socket (trusted: root only).
func clientIP(ctx context.Context) (ip net.IP, remote bool) {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil || p.Addr.Network() == "unix" {
		return nil, false
	}
	host, _, err := net.SplitHostPort(p.Addr.String())
	if err != nil {
		return nil, true
	}
	return net.ParseIP(host), true
}

func (m *mgmtService) GetVolfile(ctx context.Context, req *mgmtpb.VolfileRequest) (*mgmtpb.VolfileReply, error) {
	m.d.catchUp(ctx)
	r, err := volfileFor(ctx, m.d.State(), req.GetVolume())
	return r, toStatus(err)
}

// WatchVolfile sends the volfile, then again at every change of it, until
// the volume is stopped or deleted (or the client is refused).
func (m *mgmtService) WatchVolfile(req *mgmtpb.VolfileRequest, stream grpc.ServerStreamingServer[mgmtpb.VolfileReply]) error {
	ctx := stream.Context()
	m.d.catchUp(ctx)
	var sent uint64
	for {
		st, changed := m.d.fsm.State()
		r, err := volfileFor(ctx, st, req.GetVolume())
		if err != nil {
			return toStatus(err)
		}
		if r.GetVersion() != sent {
			if err := stream.Send(r); err != nil {
				return err
			}
			sent = r.GetVersion()
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		case <-m.d.ctx.Done():
			return status.Error(codes.Unavailable, "daemon is stopping")
		}
	}
}
