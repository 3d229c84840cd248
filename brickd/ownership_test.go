package brickd

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/proto/brickpb"
)

func TestOwnershipAndModes(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	user := &brickpb.Caller{Uid: 1000, Gid: 1000}
	create := func(parent []byte, name string, mode uint32, who *brickpb.Caller) *brickpb.Attr {
		t.Helper()
		r, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: parent, Name: []byte(name), Gfid: newID(), Mode: mode, Flags: uint32(os.O_WRONLY), Caller: who})
		must(t, err)
		wantErrno(t, "create "+name, r.GetErrno(), 0)
		c.release(r.GetFd())
		return r.GetAttr()
	}
	mkdir := func(parent []byte, name string, mode uint32, who *brickpb.Caller) *brickpb.Attr {
		t.Helper()
		r, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: parent, Name: []byte(name), Gfid: newID(), Mode: mode, Caller: who})
		must(t, err)
		wantErrno(t, "mkdir "+name, r.GetErrno(), 0)
		return r.GetAttr()
	}
	a := create(root, "suid", 0o4755, user)
	if a.GetUid() != 1000 || a.GetGid() != 1000 || a.GetMode() != unix.S_IFREG|0o4755 {
		t.Fatalf("suid file of a user: uid %d gid %d mode %o", a.GetUid(), a.GetGid(), a.GetMode())
	}
	a = create(root, "plain", 0o640, user)
	if a.GetMode() != unix.S_IFREG|0o640 {
		t.Fatalf("mode %o, want exactly what was sent (umask 0)", a.GetMode())
	}
	// A setgid directory of group 500.
	sg := mkdir(root, "sg", 0o2775, &brickpb.Caller{Uid: 0, Gid: 500})
	if sg.GetMode() != unix.S_IFDIR|0o775 || sg.GetGid() != 500 {
		t.Fatalf("mkdir(2) ignores S_ISGID in the mode: %o gid %d", sg.GetMode(), sg.GetGid())
	}
	r, err := c.rpc.Setattr(ctx, &brickpb.SetattrRequest{Session: c.id, Gfid: sg.GetGfid(), Valid: uint32(brickpb.SetattrValid_SETATTR_MODE), Mode: 0o2775})
	must(t, err)
	wantErrno(t, "chmod g+s", r.GetErrno(), 0)
	a = create(sg.GetGfid(), "inherit", 0o644, user)
	if a.GetGid() != 500 || a.GetUid() != 1000 {
		t.Fatalf("file in a setgid dir: uid %d gid %d", a.GetUid(), a.GetGid())
	}
	sub := mkdir(sg.GetGfid(), "sub", 0o755, user)
	if sub.GetGid() != 500 || sub.GetMode()&unix.S_ISGID == 0 {
		t.Fatalf("dir in a setgid dir: gid %d mode %o", sub.GetGid(), sub.GetMode())
	}
	// S_ISGID of a file whose group the caller is not in is dropped...
	a = create(sg.GetGfid(), "sgid-user", 0o2755, user)
	if a.GetMode()&unix.S_ISGID != 0 {
		t.Fatalf("user kept S_ISGID on a file of another group: %o", a.GetMode())
	}
	// ...but kept for root and for the caller's own group.
	a = create(sg.GetGfid(), "sgid-root", 0o2755, &brickpb.Caller{})
	if a.GetMode()&unix.S_ISGID == 0 {
		t.Fatalf("root lost S_ISGID: %o", a.GetMode())
	}
	a = create(root, "sgid-own", 0o2755, user)
	if a.GetMode() != unix.S_IFREG|0o2755 {
		t.Fatalf("own group lost S_ISGID: %o", a.GetMode())
	}
	// Symlinks and nodes belong to the caller too.
	sl, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: root, Name: []byte("ln"), Gfid: newID(), Target: []byte("x"), Caller: user})
	must(t, err)
	if sl.GetAttr().GetUid() != 1000 || sl.GetAttr().GetGid() != 1000 {
		t.Fatalf("symlink owner: %v", sl.GetAttr())
	}
	mk, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: root, Name: []byte("fifo"), Gfid: newID(), Mode: unix.S_IFIFO | 0o620, Caller: user})
	must(t, err)
	if mk.GetAttr().GetUid() != 1000 || mk.GetAttr().GetMode() != unix.S_IFIFO|0o620 {
		t.Fatalf("fifo: %v", mk.GetAttr())
	}
}

func TestDefaultACLApplies(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "acl")
	// Default ACL user::rwx group::r-x other::---.
	acl := []byte{2, 0, 0, 0, 1, 0, 7, 0, 255, 255, 255, 255, 4, 0, 5, 0, 255, 255, 255, 255, 32, 0, 0, 0, 255, 255, 255, 255}
	r, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: d, Name: []byte("system.posix_acl_default"), Value: acl})
	must(t, err)
	if r.GetErrno() == int32(unix.EOPNOTSUPP) {
		t.Skip("no POSIX ACLs on this filesystem")
	}
	wantErrno(t, "set default acl", r.GetErrno(), 0)
	cr, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: d, Name: []byte("f"), Gfid: newID(), Mode: 0o666, Flags: uint32(os.O_RDWR), Caller: caller0})
	must(t, err)
	if cr.GetErrno() != 0 || cr.GetAttr().GetMode() != unix.S_IFREG|0o640 {
		t.Fatalf("create under a default ACL: mode %o, %v", cr.GetAttr().GetMode(), unix.Errno(cr.GetErrno()))
	}
	c.release(cr.GetFd())
	mk, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: d, Name: []byte("sub"), Gfid: newID(), Mode: 0o777, Caller: caller0})
	must(t, err)
	if mk.GetAttr().GetMode() != unix.S_IFDIR|0o750 {
		t.Fatalf("mkdir under a default ACL: mode %o", mk.GetAttr().GetMode())
	}
}
