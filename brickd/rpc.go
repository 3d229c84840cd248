package brickd

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// rpc adapts the Brick service to the server: every method checks the
// session, converts the request, calls the brick, converts the reply and
// queues the change notifications. The rpc_*.go files hold the methods.
type rpc struct {
	brickpb.UnimplementedBrickServer
	s *Server
}

// begin finds the session of a call and holds the server's gate until
// the returned done is called. An unknown session is FailedPrecondition.
func (r *rpc) begin(id uint64) (*session, func(), error) {
	r.s.gate.RLock()
	if r.s.closing.Load() {
		r.s.gate.RUnlock()
		return nil, nil, status.Error(codes.Unavailable, "brick server is closed")
	}
	se, ok := r.s.lookupSession(id)
	if !ok {
		r.s.gate.RUnlock()
		return nil, nil, status.Errorf(codes.FailedPrecondition, "unknown session %d", id)
	}
	if !se.brick.enter() {
		r.s.gate.RUnlock()
		return nil, nil, status.Errorf(codes.FailedPrecondition, "unknown session %d (brick %s removed)", id, se.brick.name)
	}
	return se, func() { se.brick.gate.RUnlock(); r.s.gate.RUnlock() }, nil
}

// errno is the reply errno of err for operation op (errno.go).
func (s *session) errno(op string, err error) int32 {
	return errno(s.brick.log, op, err)
}

// Session opens a session on the requested brick and streams its events
// until the client goes away or the server closes.
func (r *rpc) Session(req *brickpb.SessionRequest, stream grpc.ServerStreamingServer[brickpb.Event]) error {
	b, ok := r.s.brick(req.GetBrick())
	if !ok {
		return status.Errorf(codes.NotFound, "no brick %q on this server", req.GetBrick())
	}
	r.s.gate.RLock()
	if r.s.closing.Load() {
		r.s.gate.RUnlock()
		return status.Error(codes.Unavailable, "brick server is closed")
	}
	if !b.enter() {
		r.s.gate.RUnlock()
		return status.Errorf(codes.NotFound, "no brick %q on this server", req.GetBrick())
	}
	se := r.s.newSession(stream.Context(), b, req.GetClient(), req.GetNoChangeEvents())
	b.gate.RUnlock()
	r.s.gate.RUnlock()
	defer r.s.dropSession(se)
	info := b.fs.Info()
	b.log.Info("session started", "brick", b.name, "session", se.id, "client", se.client, "change_events", !se.quiet)
	defer b.log.Info("session ended", "brick", b.name, "session", se.id, "client", se.client)
	err := stream.Send(&brickpb.Event{Kind: brickpb.EventKind_EVENT_SESSION, Session: se.id, BrickId: info.BrickID, VolumeId: info.VolumeID, Features: brickpb.ServerFeatures})
	if err != nil {
		return err
	}
	return se.pump(func(e event) error { return stream.Send(e.wire()) })
}

// call is the frame of every unary method: it finds the session, holds the
// server's gate while fn builds the reply, and answers FailedPrecondition
// for an unknown session.
func call[Reply any](r *rpc, sid uint64, fn func(se *session) Reply) (Reply, error) {
	se, done, err := r.begin(sid)
	if err != nil {
		var none Reply
		return none, err
	}
	defer done()
	return fn(se), nil
}
