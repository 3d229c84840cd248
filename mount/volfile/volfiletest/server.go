// Package volfiletest is a fake volfile server for tests of clients: the
// two client-facing RPCs of the management service (GetVolfile,
// WatchVolfile) over a volfile the test sets, with the refusals of the
// real daemon (unknown volume, stopped volume, client refused).
package volfiletest

import (
	"context"
	"encoding/json"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
	"github.com/mortarfs/mortar/volume"
)

// Server serves one volume's volfile on a loopback port until the test
// ends.
type Server struct {
	mgmtpb.UnimplementedMgmtServer
	srv *grpc.Server
	ln  net.Listener

	// mu guards the fields below.
	mu      sync.Mutex
	vf      *volume.Volfile
	version uint64
	stopped bool
	denied  bool
	changed chan struct{} // closed and replaced on every change
	gets    int
	watches int
}

// New starts a server for vf (nil: no volume) on 127.0.0.1.
func New(t testing.TB, vf *volume.Volfile) *Server {
	t.Helper()
	return NewAt(t, "127.0.0.1:0", vf)
}

// NewAt starts a server on addr.
func NewAt(t testing.TB, addr string, vf *volume.Volfile) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{srv: grpc.NewServer(), ln: ln, vf: vf, version: 1, changed: make(chan struct{})}
	mgmtpb.RegisterMgmtServer(s.srv, s)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		s.srv.Stop()
		<-served
	})
	return s
}

// Addr is the server's HOST:PORT.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop stops serving: connections are closed, new ones refused.
func (s *Server) Stop() { s.srv.Stop() }

// Set replaces the volfile (nil: the volume is deleted); watchers get it.
func (s *Server) Set(vf *volume.Volfile) {
	s.change(func() { s.vf = vf })
}

// SetStopped stops or starts the volume.
func (s *Server) SetStopped(stopped bool) {
	s.change(func() { s.stopped = stopped })
}

// SetDenied refuses or allows every client.
func (s *Server) SetDenied(denied bool) {
	s.change(func() { s.denied = denied })
}

// Counts returns how many GetVolfile and WatchVolfile calls were served.
func (s *Server) Counts() (gets, watches int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets, s.watches
}

// Version is the current volfile version.
func (s *Server) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

func (s *Server) change(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
	s.version++
	close(s.changed)
	s.changed = make(chan struct{})
}

// current returns the reply for volume name, or the refusal.
func (s *Server) current(name string) (*mgmtpb.VolfileReply, <-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.vf == nil || s.vf.Name != name:
		return nil, s.changed, status.Errorf(codes.NotFound, "volume %s does not exist", name)
	case s.denied:
		return nil, s.changed, status.Errorf(codes.PermissionDenied, "volume %s: client not allowed (auth.reject)", name)
	case s.stopped:
		return nil, s.changed, status.Errorf(codes.FailedPrecondition, "volume %s is not started", name)
	}
	b, err := json.Marshal(s.vf)
	if err != nil {
		return nil, s.changed, status.Error(codes.Internal, err.Error())
	}
	return &mgmtpb.VolfileReply{Version: s.version, Volfile: b}, s.changed, nil
}

// GetVolfile implements mgmtpb.MgmtServer.
func (s *Server) GetVolfile(_ context.Context, req *mgmtpb.VolfileRequest) (*mgmtpb.VolfileReply, error) {
	s.mu.Lock()
	s.gets++
	s.mu.Unlock()
	rep, _, err := s.current(req.GetVolume())
	return rep, err
}

// WatchVolfile implements mgmtpb.MgmtServer.
func (s *Server) WatchVolfile(req *mgmtpb.VolfileRequest, stream grpc.ServerStreamingServer[mgmtpb.VolfileReply]) error {
	s.mu.Lock()
	s.watches++
	s.mu.Unlock()
	for {
		rep, changed, err := s.current(req.GetVolume())
		if err != nil {
			return err
		}
		if err := stream.Send(rep); err != nil {
			return err
		}
		select {
		case <-stream.Context().Done():
			return stream.Context().Err()
		case <-changed:
		}
	}
}
