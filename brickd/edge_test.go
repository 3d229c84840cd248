package brickd

import (
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/proto/brickpb"
)

func TestNewInodeTimesAgree(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	attrs := map[string]*brickpb.Attr{}
	g, fd := c.create(root, "file")
	c.release(fd)
	attrs["file"] = c.getattr(g).GetAttr()
	attrs["dir"] = c.getattr(c.mkdir(root, "dir")).GetAttr()
	mk, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: root, Name: "fifo", Gfid: newID(), Mode: unix.S_IFIFO | 0o644, Caller: caller0})
	must(t, err)
	attrs["fifo"] = mk.GetAttr()
	sl, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: root, Name: "ln", Gfid: newID(), Target: "x", Caller: &brickpb.Caller{Uid: 7, Gid: 7}})
	must(t, err)
	attrs["symlink"] = sl.GetAttr()
	for what, a := range attrs {
		m, c := a.GetMtime(), a.GetCtime()
		if m.GetSec() != c.GetSec() || m.GetNsec() != c.GetNsec() || a.GetAtime().GetNsec() != m.GetNsec() {
			t.Errorf("new %s: atime %v mtime %v ctime %v", what, a.GetAtime(), m, c)
		}
	}
}

func TestRemovedOpenDirStillResolves(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	od, err := c.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: d})
	must(t, err)
	wantErrno(t, "opendir", od.GetErrno(), 0)
	rm, err := c.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: "d"})
	must(t, err)
	wantErrno(t, "rmdir", rm.GetErrno(), 0)
	if a := c.getattr(d); a.GetErrno() != 0 || a.GetAttr().GetNlink() != 0 {
		t.Fatalf("getattr of a removed open dir: %v", a)
	}
	rd, err := c.rpc.Readdir(ctx, &brickpb.ReaddirRequest{Session: c.id, Fd: od.GetFd()})
	must(t, err)
	wantErrno(t, "readdir of a removed dir (as getdents64)", rd.GetErrno(), syscall.ENOENT)
	mk, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: d, Name: "x", Gfid: newID(), Mode: 0o755, Caller: caller0})
	must(t, err)
	wantErrno(t, "mkdir in a removed dir", mk.GetErrno(), syscall.ENOENT)
	rel, err := c.rpc.Releasedir(ctx, &brickpb.FdRequest{Session: c.id, Fd: od.GetFd()})
	must(t, err)
	wantErrno(t, "releasedir", rel.GetErrno(), 0)
	wantErrno(t, "getattr after the last close", c.getattr(d).GetErrno(), syscall.ESTALE)
}

func TestNonUTF8Names(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	_, fd := c.create(d, "ok")
	c.release(fd)
	// Placed on the brick directly: Linux names are bytes, protobuf strings are UTF-8.
	must(t, os.WriteFile(ts.brickPath("d", "bad\xff"), nil, 0o644))
	must(t, os.Symlink("target\xfe", ts.brickPath("d", "badlink")))
	ents := c.readAll(d, 0, 10)
	if len(ents) != 2 {
		t.Fatalf("readdir: %v", ents)
	}
	r, err := c.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: c.id, Parent: d, Name: "badlink", GfidReq: newID()})
	must(t, err)
	wantErrno(t, "lookup", r.GetErrno(), 0)
	rl, err := c.rpc.Readlink(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: r.GetAttr().GetGfid()})
	must(t, err)
	wantErrno(t, "readlink of a non-UTF-8 target", rl.GetErrno(), syscall.EILSEQ)
}
