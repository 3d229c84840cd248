package brickd

import (
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
	mk, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: root, Name: []byte("fifo"), Gfid: newID(), Mode: unix.S_IFIFO | 0o644, Caller: caller0})
	must(t, err)
	attrs["fifo"] = mk.GetAttr()
	sl, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: root, Name: []byte("ln"), Gfid: newID(), Target: []byte("x"), Caller: &brickpb.Caller{Uid: 7, Gid: 7}})
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
	rm, err := c.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte("d")})
	must(t, err)
	wantErrno(t, "rmdir", rm.GetErrno(), 0)
	if a := c.getattr(d); a.GetErrno() != 0 || a.GetAttr().GetNlink() != 0 {
		t.Fatalf("getattr of a removed open dir: %v", a)
	}
	rd, err := c.rpc.Readdir(ctx, &brickpb.ReaddirRequest{Session: c.id, Fd: od.GetFd()})
	must(t, err)
	wantErrno(t, "readdir of a removed dir (as getdents64)", rd.GetErrno(), syscall.ENOENT)
	mk, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: d, Name: []byte("x"), Gfid: newID(), Mode: 0o755, Caller: caller0})
	must(t, err)
	wantErrno(t, "mkdir in a removed dir", mk.GetErrno(), syscall.ENOENT)
	rel, err := c.rpc.Releasedir(ctx, &brickpb.FdRequest{Session: c.id, Fd: od.GetFd()})
	must(t, err)
	wantErrno(t, "releasedir", rel.GetErrno(), 0)
	wantErrno(t, "getattr after the last close", c.getattr(d).GetErrno(), syscall.ESTALE)
}
