package brickd

import (
	"bytes"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestDeepTree makes a chain of one-letter directories whose volume path
// is close to PATH_MAX (4095 bytes), which the brick's own root (plus the
// temporary directory) would push past PATH_MAX if the brick used paths.
func TestDeepTree(t *testing.T) {
	if testing.Short() {
		t.Skip("deep tree: skipped in -short mode")
	}
	ts := newTestServer(t)
	c := ts.session()
	const depth = 2040 // "/a" * 2040 = 4080 bytes
	gs := [][]byte{root}
	for i := 0; i < depth; i++ {
		gs = append(gs, c.mkdir(gs[len(gs)-1], "a"))
	}
	if n := len(ts.path) + 2*depth; n <= 4096 {
		t.Fatalf("the on-disk path is only %d bytes", n)
	}
	deepest := gs[depth]
	g, fd := c.create(deepest, "file")
	c.write(g, fd, 0, "deep")
	c.release(fd)
	check := func(what string) {
		t.Helper()
		if l := c.lookup(deepest, "file"); l.GetErrno() != 0 || !bytes.Equal(l.GetAttr().GetGfid(), g) {
			t.Fatalf("%s: lookup: %v", what, l)
		}
		if got, e := c.read(g, 0, 0, 10); e != 0 || got != "deep" {
			t.Fatalf("%s: read: %q %v", what, got, syscall.Errno(e))
		}
		if a := c.getattr(gs[depth/2]); a.GetErrno() != 0 {
			t.Fatalf("%s: getattr of the middle: %v", what, a)
		}
	}
	check("warm")
	// Cold: every directory resolves by walking its handles.
	se, _ := ts.srv.lookupSession(c.id)
	se.brick.fs.DropCaches()
	if a := c.getattr(deepest); a.GetErrno() != 0 || a.GetAttr().GetMode()&syscall.S_IFDIR == 0 {
		t.Fatalf("cold getattr of the deepest: %v", a)
	}
	check("cold")
	// Rename near the top: the cached fds follow, the handles too.
	r, err := c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: gs[1], OldName: []byte("a"), NewParent: gs[1], NewName: []byte("b")})
	must(t, err)
	wantErrno(t, "rename near the top", r.GetErrno(), 0)
	check("renamed")
	se.brick.fs.DropCaches()
	check("renamed, cold")
	// Readdir of the deepest directory.
	ents := c.readAll(deepest, 0, 10)
	if len(ents) != 1 || string(ents[0].GetName()) != "file" {
		t.Fatalf("readdir: %v", ents)
	}
}
