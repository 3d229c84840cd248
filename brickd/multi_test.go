package brickd

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestTwoBricksOneServer serves two bricks from one process: sessions,
// names and events stay apart, and ending Serve ends the sessions.
func TestTwoBricksOneServer(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "b1"), filepath.Join(dir, "b2")
	must(t, os.Mkdir(p1, 0o755))
	must(t, os.Mkdir(p2, 0o755))
	srv, err := New(Config{Bricks: []BrickConfig{{"b1", p1}, {"b2", p2}}, Logger: quiet})
	must(t, err)
	lis := bufconn.Listen(1 << 20)
	sctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, lis) }()
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	must(t, err)
	defer conn.Close()
	rpc := brickpb.NewBrickClient(conn)
	open := func(brick string) (uint64, brickpb.Brick_SessionClient) {
		st, err := rpc.Session(context.Background(), &brickpb.SessionRequest{Brick: brick})
		must(t, err)
		ev, err := st.Recv()
		must(t, err)
		return ev.GetSession(), st
	}
	s1, st1 := open("b1")
	s2, st2 := open("b2")
	mk, err := rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: s1, Parent: root, Name: []byte("only-on-b1"), Gfid: newID(), Mode: 0o755, Caller: caller0})
	must(t, err)
	wantErrno(t, "mkdir on b1", mk.GetErrno(), 0)
	l, err := rpc.Lookup(ctx, &brickpb.LookupRequest{Session: s2, Parent: root, Name: []byte("only-on-b1")})
	must(t, err)
	wantErrno(t, "lookup on b2", l.GetErrno(), syscall.ENOENT)
	if _, err := os.Stat(filepath.Join(p1, "only-on-b1")); err != nil {
		t.Fatal(err)
	}
	// Serve ends: both streams end, Serve returns.
	stop()
	for _, st := range []brickpb.Brick_SessionClient{st1, st2} {
		for {
			if _, err := st.Recv(); err != nil {
				break
			}
		}
	}
	select {
	case err := <-served:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, ok := srv.lookupSession(s1); ok {
		t.Fatal("session left after Serve returned")
	}
}
