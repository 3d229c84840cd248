package brickd

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestAddRemoveBrick: a live server gains a brick, serves it, and loses it:
// the brick's sessions end, new calls and sessions on it are refused, the
// other brick goes on, and the name can be served again.
func TestAddRemoveBrick(t *testing.T) {
	ts := newTestServer(t)
	const vol2 = "6f0d3c1e-8a55-4d8e-9f2a-0c4b1e2d3f4a"
	b2 := filepath.Join(ts.dir, "b2")
	must(t, os.Mkdir(b2, 0o755))
	if err := ts.srv.AddBrick(BrickConfig{Name: "b1", Path: b2}, ""); err == nil {
		t.Fatal("AddBrick with a name already served: no error")
	}
	if err := ts.srv.AddBrick(BrickConfig{Name: "again", Path: ts.path}, ""); err == nil {
		t.Fatal("AddBrick of a directory already served: no error")
	}
	must(t, ts.srv.AddBrick(BrickConfig{Name: "b2", Path: b2}, vol2))
	if got := ts.srv.Bricks(); !slices.Equal(got, []string{"b1", "b2"}) {
		t.Fatalf("Bricks() = %v", got)
	}
	stream, err := ts.rpc.Session(ctx, &brickpb.SessionRequest{Brick: "b2", Client: t.Name()})
	must(t, err)
	first, err := stream.Recv()
	must(t, err)
	if first.GetVolumeId() != vol2 {
		t.Errorf("volume id %q, want %s", first.GetVolumeId(), vol2)
	}
	sid := first.GetSession()
	r, err := ts.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: sid, Parent: root, Name: []byte("nothing")})
	must(t, err)
	wantErrno(t, "lookup on b2", r.GetErrno(), 2)

	c1 := ts.session() // on b1, must survive
	must(t, ts.srv.RemoveBrick("b2"))
	if _, err := stream.Recv(); err == nil {
		t.Error("session stream of a removed brick still open")
	}
	_, err = ts.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: sid, Parent: root, Name: []byte("nothing")})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("call on a removed brick: %v, want FailedPrecondition", err)
	}
	s2, err := ts.rpc.Session(ctx, &brickpb.SessionRequest{Brick: "b2"})
	if err == nil {
		_, err = s2.Recv()
	}
	if status.Code(err) != codes.NotFound {
		t.Errorf("session on a removed brick: %v, want NotFound", err)
	}
	if err := ts.srv.RemoveBrick("b2"); err == nil {
		t.Error("second RemoveBrick: no error")
	}
	c1.mkdir(root, "still-served")
	must(t, ts.srv.AddBrick(BrickConfig{Name: "b2", Path: b2}, vol2))
	must(t, ts.srv.RemoveBrick("b2"))
}

// TestEmptyServer: AllowEmpty makes a server without bricks.
func TestEmptyServer(t *testing.T) {
	srv, err := New(Config{AllowEmpty: true, Logger: quiet})
	must(t, err)
	if len(srv.Bricks()) != 0 {
		t.Errorf("bricks: %v", srv.Bricks())
	}
	must(t, srv.Close())
	if err := srv.AddBrick(BrickConfig{Name: "x", Path: t.TempDir()}, ""); err == nil {
		t.Error("AddBrick after Close: no error")
	}
}
