package brickd

import (
	"bytes"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/proto/brickpb"
)

func TestCreateLookupGetattr(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.write(g, fd, 0, "hello")
	c.release(fd)
	r := c.lookup(root, "f")
	wantErrno(t, "lookup", r.GetErrno(), 0)
	if !bytes.Equal(r.GetAttr().GetGfid(), g) || r.GetAttr().GetSize() != 5 || r.GetAttr().GetNlink() != 1 ||
		r.GetAttr().GetMode() != unix.S_IFREG|0o644 {
		t.Fatalf("lookup attr: %v", r.GetAttr())
	}
	// The handle is a hard link of the file.
	var a, h unix.Stat_t
	must(t, unix.Lstat(ts.brickPath("f"), &a))
	must(t, unix.Lstat(ts.handlePath(g), &h))
	if a.Ino != h.Ino || a.Nlink != 2 {
		t.Fatalf("handle: ino %d/%d nlink %d", a.Ino, h.Ino, a.Nlink)
	}
	if ga := c.getattr(g); ga.GetErrno() != 0 || ga.GetAttr().GetSize() != 5 {
		t.Fatalf("getattr: %v", ga)
	}
	wantErrno(t, "lookup missing", c.lookup(root, "nope").GetErrno(), syscall.ENOENT)
	// O_EXCL on an existing name; without it the existing file is opened.
	cr, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: root, Name: []byte("f"), Gfid: newID(), Mode: 0o600,
		Flags: uint32(os.O_RDWR | os.O_EXCL), Caller: caller0})
	must(t, err)
	wantErrno(t, "create excl", cr.GetErrno(), syscall.EEXIST)
	cr, err = c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: root, Name: []byte("f"), Gfid: newID(), Mode: 0o600,
		Flags: uint32(os.O_RDWR | os.O_TRUNC), Caller: caller0})
	must(t, err)
	if cr.GetErrno() != 0 || !bytes.Equal(cr.GetAttr().GetGfid(), g) || cr.GetAttr().GetSize() != 0 {
		t.Fatalf("create existing with O_TRUNC: %v", cr)
	}
	c.release(cr.GetFd())
	// A gfid already in use cannot name a new inode.
	cr, err = c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: root, Name: []byte("g"), Gfid: g, Mode: 0o600,
		Flags: uint32(os.O_RDWR), Caller: caller0})
	must(t, err)
	wantErrno(t, "create with a used gfid", cr.GetErrno(), syscall.EEXIST)
}

func TestMkdirMknodSymlink(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	target, err := os.Readlink(ts.handlePath(d))
	must(t, err)
	if target != "../../00/00/00000000-0000-0000-0000-000000000001/d" {
		t.Fatalf("dir handle -> %q", target)
	}
	r, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: root, Name: []byte("d"), Gfid: newID(), Mode: 0o755, Caller: caller0})
	must(t, err)
	wantErrno(t, "mkdir existing", r.GetErrno(), syscall.EEXIST)
	for _, m := range []struct {
		name string
		mode uint32
	}{{"fifo", unix.S_IFIFO | 0o640}, {"sock", unix.S_IFSOCK | 0o600}, {"chr", unix.S_IFCHR | 0o600}, {"reg", unix.S_IFREG | 0o600}} {
		r, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: d, Name: []byte(m.name), Gfid: newID(), Mode: m.mode,
			Rdev: unix.Mkdev(1, 3), Caller: caller0})
		must(t, err)
		if r.GetErrno() != 0 || r.GetAttr().GetMode() != m.mode || r.GetAttr().GetNlink() != 1 {
			t.Errorf("mknod %s: %v", m.name, r)
		}
	}
	r, err = c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: d, Name: []byte("dir"), Gfid: newID(), Mode: unix.S_IFDIR | 0o755, Caller: caller0})
	must(t, err)
	wantErrno(t, "mknod of a directory", r.GetErrno(), syscall.EINVAL)
	// A dht pointer file.
	r, err = c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: d, Name: []byte("ptr"), Gfid: newID(), Mode: 0o644, Linkto: "set-2", Caller: caller0})
	must(t, err)
	if r.GetErrno() != 0 || r.GetAttr().GetMode() != unix.S_IFREG|unix.S_ISVTX || r.GetLinkto() != "set-2" {
		t.Fatalf("linkto mknod: %v", r)
	}
	if l := c.lookup(d, "ptr"); l.GetLinkto() != "set-2" {
		t.Fatalf("lookup linkto: %v", l)
	}
	if ga := c.getattr(r.GetAttr().GetGfid()); ga.GetLinkto() != "set-2" {
		t.Fatalf("getattr linkto: %v", ga)
	}
	s, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: d, Name: []byte("ln"), Gfid: newID(), Target: []byte("../x/y"), Caller: caller0})
	must(t, err)
	if s.GetErrno() != 0 || s.GetAttr().GetMode()&unix.S_IFMT != unix.S_IFLNK {
		t.Fatalf("symlink: %v", s)
	}
	rl, err := c.rpc.Readlink(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: s.GetAttr().GetGfid()})
	must(t, err)
	if rl.GetErrno() != 0 || string(rl.GetTarget()) != "../x/y" {
		t.Fatalf("readlink: %v", rl)
	}
	rl, err = c.rpc.Readlink(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: d})
	must(t, err)
	wantErrno(t, "readlink of a dir", rl.GetErrno(), syscall.EINVAL)
	for _, tgt := range []string{"", string(make([]byte, 4096))} {
		s, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: d, Name: []byte("bad"), Gfid: newID(), Target: []byte(tgt), Caller: caller0})
		must(t, err)
		if s.GetErrno() == 0 {
			t.Errorf("symlink to %d bytes accepted", len(tgt))
		}
	}
	// Symlink handles are hard links of the symlink itself, resolvable by gfid.
	if ga := c.getattr(s.GetAttr().GetGfid()); ga.GetErrno() != 0 || ga.GetAttr().GetMode()&unix.S_IFMT != unix.S_IFLNK {
		t.Fatalf("getattr symlink: %v", ga)
	}
	st, err := c.rpc.Statfs(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: root})
	must(t, err)
	if st.GetErrno() != 0 || st.GetBlocks() == 0 || st.GetNamelen() != 255 {
		t.Fatalf("statfs: %v", st)
	}
}

func TestLinkUnlinkRmdir(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	g, fd := c.create(d, "f")
	c.release(fd)
	l, err := c.rpc.Link(ctx, &brickpb.LinkRequest{Session: c.id, Gfid: g, NewParent: root, NewName: []byte("f2")})
	must(t, err)
	if l.GetErrno() != 0 || l.GetAttr().GetNlink() != 2 {
		t.Fatalf("link: %v", l)
	}
	l, err = c.rpc.Link(ctx, &brickpb.LinkRequest{Session: c.id, Gfid: d, NewParent: root, NewName: []byte("d2")})
	must(t, err)
	wantErrno(t, "link of a dir", l.GetErrno(), syscall.EPERM)
	u, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: d, Name: []byte("f")})
	must(t, err)
	if u.GetErrno() != 0 || u.GetAttr().GetNlink() != 1 {
		t.Fatalf("unlink of one of two names: %v", u)
	}
	if _, err := os.Lstat(ts.handlePath(g)); err != nil {
		t.Fatalf("handle gone with a name left: %v", err)
	}
	u, err = c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte("f2")})
	must(t, err)
	if u.GetErrno() != 0 || u.GetAttr().GetNlink() != 0 {
		t.Fatalf("unlink of the last name: %v", u)
	}
	if _, err := os.Lstat(ts.handlePath(g)); !os.IsNotExist(err) {
		t.Fatalf("handle left after the last unlink: %v", err)
	}
	wantErrno(t, "getattr of a removed file", c.getattr(g).GetErrno(), syscall.ESTALE)
	u, err = c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte("d")})
	must(t, err)
	wantErrno(t, "unlink of a dir", u.GetErrno(), syscall.EISDIR)
	sub := c.mkdir(d, "sub")
	u, err = c.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte("d")})
	must(t, err)
	wantErrno(t, "rmdir of a non-empty dir", u.GetErrno(), syscall.ENOTEMPTY)
	u, err = c.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: c.id, Parent: d, Name: []byte("sub")})
	must(t, err)
	wantErrno(t, "rmdir", u.GetErrno(), 0)
	if _, err := os.Lstat(ts.handlePath(sub)); !os.IsNotExist(err) {
		t.Fatalf("dir handle left after rmdir: %v", err)
	}
	wantErrno(t, "getattr of a removed dir", c.getattr(sub).GetErrno(), syscall.ESTALE)
	g2, fd2 := c.create(d, "file")
	c.release(fd2)
	u, err = c.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: c.id, Parent: d, Name: []byte("file")})
	must(t, err)
	wantErrno(t, "rmdir of a file", u.GetErrno(), syscall.ENOTDIR)
	_ = g2
}

func TestRename(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	a := c.mkdir(root, "a")
	b := c.mkdir(root, "b")
	sub := c.mkdir(a, "sub")
	f, fd := c.create(sub, "f")
	c.release(fd)
	rename := func(op []byte, on string, np []byte, nn string, flags uint32) *brickpb.RenameReply {
		t.Helper()
		r, err := c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: op, OldName: []byte(on), NewParent: np, NewName: []byte(nn), Flags: flags})
		must(t, err)
		return r
	}
	// A directory rename rewrites its handle, and what is beneath still resolves.
	if r := rename(a, "sub", b, "moved", 0); r.GetErrno() != 0 || !bytes.Equal(r.GetAttr().GetGfid(), sub) {
		t.Fatalf("rename dir: %v", r)
	}
	target, _ := os.Readlink(ts.handlePath(sub))
	bid := ts.handlePath(b)
	if want := "../../" + bid[len(bid)-len("xx/yy/00000000-0000-0000-0000-000000000000"):] + "/moved"; target != want {
		t.Fatalf("moved dir handle -> %q, want %q", target, want)
	}
	if l := c.lookup(sub, "f"); l.GetErrno() != 0 || !bytes.Equal(l.GetAttr().GetGfid(), f) {
		t.Fatalf("lookup under a moved dir: %v", l)
	}
	// Rename over a file that has another hard link: its nlink drops, its handle stays.
	x, fdx := c.create(root, "x")
	c.release(fdx)
	lr, err := c.rpc.Link(ctx, &brickpb.LinkRequest{Session: c.id, Gfid: x, NewParent: root, NewName: []byte("x2")})
	must(t, err)
	wantErrno(t, "link", lr.GetErrno(), 0)
	r := rename(sub, "f", root, "x", 0)
	if r.GetErrno() != 0 || !bytes.Equal(r.GetReplaced().GetGfid(), x) || r.GetReplaced().GetNlink() != 1 {
		t.Fatalf("rename over a linked file: %v", r)
	}
	if ga := c.getattr(x); ga.GetErrno() != 0 || ga.GetAttr().GetNlink() != 1 {
		t.Fatalf("replaced inode: %v", ga)
	}
	// Rename over its last name removes its handle.
	r = rename(root, "x", root, "x2", 0)
	if r.GetErrno() != 0 || r.GetReplaced().GetNlink() != 0 {
		t.Fatalf("rename over a last name: %v", r)
	}
	wantErrno(t, "getattr of the replaced inode", c.getattr(x).GetErrno(), syscall.ESTALE)
	// NOREPLACE and EXCHANGE.
	y, fdy := c.create(root, "y")
	c.release(fdy)
	wantErrno(t, "noreplace", rename(root, "x2", root, "y", 1).GetErrno(), syscall.EEXIST)
	wantErrno(t, "bad flags", rename(root, "x2", root, "y", 3).GetErrno(), syscall.EINVAL)
	wantErrno(t, "bad flags", rename(root, "x2", root, "y", 8).GetErrno(), syscall.EINVAL)
	if r := rename(root, "b", root, "y", 2); r.GetErrno() != 0 {
		t.Fatalf("exchange: %v", r)
	}
	if l := c.lookup(root, "b"); !bytes.Equal(l.GetAttr().GetGfid(), y) {
		t.Fatalf("after exchange b is %v", l)
	}
	if l := c.lookup(root, "y"); !bytes.Equal(l.GetAttr().GetGfid(), b) {
		t.Fatalf("after exchange y is %v", l)
	}
	if l := c.lookup(b, "moved"); !bytes.Equal(l.GetAttr().GetGfid(), sub) {
		t.Fatalf("lookup below an exchanged dir: %v", l)
	}
	// Rename of a dir over an empty dir removes the replaced dir's handle.
	e := c.mkdir(root, "empty")
	if r := rename(root, "a", root, "empty", 0); r.GetErrno() != 0 || !bytes.Equal(r.GetReplaced().GetGfid(), e) {
		t.Fatalf("rename over an empty dir: %v", r)
	}
	if _, err := os.Lstat(ts.handlePath(e)); !os.IsNotExist(err) {
		t.Fatalf("replaced dir handle: %v", err)
	}
	wantErrno(t, "getattr replaced dir", c.getattr(e).GetErrno(), syscall.ESTALE)
	wantErrno(t, "rename missing", rename(root, "nope", root, "z", 0).GetErrno(), syscall.ENOENT)
	wantErrno(t, "rename into own subdir", rename(root, "y", sub, "loop", 0).GetErrno(), syscall.EINVAL)
}
