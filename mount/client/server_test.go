package client

import (
	"context"
	"net"
	"os"
	"testing"

	"github.com/mortarfs/mortar/brickd"
)

// requireRoot skips tests that run a real brick server: it needs root for
// trusted.* xattrs and chown.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the brick server keeps gfids in trusted.* xattrs; skipped when not root")
	}
}

// brickServer is a real brick server (brickd) with one brick "b1" in a
// temporary directory, on a TCP port it keeps across restarts.
type brickServer struct {
	t      *testing.T
	dir    string
	addr   string
	cancel context.CancelFunc
	served chan error
}

func startBrickServer(t *testing.T) *brickServer {
	t.Helper()
	requireRoot(t)
	s := &brickServer{t: t, dir: t.TempDir(), addr: "127.0.0.1:0"}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *brickServer) start() {
	s.t.Helper()
	srv, err := brickd.New(brickd.Config{Bricks: []brickd.BrickConfig{{Name: "b1", Path: s.dir}}, Logger: quietLogger()})
	if err != nil {
		s.t.Fatal(err)
	}
	lis, err := net.Listen("tcp", s.addr)
	if err != nil {
		_ = srv.Close()
		s.t.Fatal(err)
	}
	s.addr = lis.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.served = cancel, make(chan error, 1)
	go func() { s.served <- srv.Serve(ctx, lis) }()
}

// stop ends the server; its sessions end, its port is free again.
func (s *brickServer) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	if err := <-s.served; err != nil {
		s.t.Logf("brick server: %v", err)
	}
	s.cancel = nil
}
