package brickd

import (
	"os"
	"testing"

	"github.com/mortarfs/mortar/proto/brickpb"
)

func openFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	must(t, err)
	return len(ents)
}

// TestSessionEndClosesFds leaves files and directories open, ends the
// session, and checks that the process holds no more fds than before.
func TestSessionEndClosesFds(t *testing.T) {
	ts := newTestServer(t)
	a := ts.session()
	se, _ := ts.srv.lookupSession(a.id)
	d := a.mkdir(root, "d")
	g, _ := a.create(d, "f")
	se.brick.fs.DropCaches()
	before := openFds(t)
	c := ts.session()
	for i := 0; i < 20; i++ {
		c.open(g, os.O_RDWR)
		od, err := c.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: d})
		must(t, err)
		wantErrno(t, "opendir", od.GetErrno(), 0)
		_, fd := c.create(d, "n"+itoa(i))
		wantErrno(t, "flock", c.lk(nil, fd, set, wr, 0, 0, 0, true).GetErrno(), 0)
		if i%2 == 0 {
			c.release(fd)
		}
	}
	// n1 is still open: its handle is parked until the session ends.
	u, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: d, Name: []byte("n1")})
	must(t, err)
	wantErrno(t, "unlink", u.GetErrno(), 0)
	if openFds(t) < before+50 {
		t.Fatalf("the open files are not held: %d fds, %d before", openFds(t), before)
	}
	c.close()
	se.brick.fs.DropCaches()
	if after := openFds(t); after > before {
		t.Fatalf("%d fds after the session ended, %d before", after, before)
	}
	if ents, err := os.ReadDir(ts.brickPath(".mortar", "unlink")); err != nil || len(ents) != 0 {
		t.Fatalf("unlink dir after the session ended: %v %v", ents, err)
	}
}
