package brickd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// badNames are refused by every operation that takes a name.
var badNames = []struct {
	name string
	want syscall.Errno
}{
	{"", syscall.EINVAL},
	{".", syscall.EINVAL},
	{"..", syscall.EINVAL},
	{"a/b", syscall.EINVAL},
	{"../sentinel", syscall.EINVAL},
	{"/etc", syscall.EINVAL},
	{"a\x00b", syscall.EINVAL},
	{strings.Repeat("x", 256), syscall.ENAMETOOLONG},
	// Names are bytes: invalid UTF-8 is allowed, the rules still hold.
	{"\xff/\xfe", syscall.EINVAL},
	{"\xe9\x00", syscall.EINVAL},
	{strings.Repeat("\xff", 256), syscall.ENAMETOOLONG},
}

func TestHostileNames(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	f, fd := c.create(d, "f")
	c.release(fd)
	for _, bn := range badNames {
		for _, parent := range [][]byte{root, d} {
			errs := map[string]int32{}
			r1, err := c.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: c.id, Parent: parent, Name: []byte(bn.name)})
			must(t, err)
			errs["lookup"] = r1.GetErrno()
			r2, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: parent, Name: []byte(bn.name), Gfid: newID(), Mode: 0o644, Flags: uint32(os.O_RDWR), Caller: caller0})
			must(t, err)
			errs["create"] = r2.GetErrno()
			r3, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: parent, Name: []byte(bn.name), Gfid: newID(), Mode: 0o755, Caller: caller0})
			must(t, err)
			errs["mkdir"] = r3.GetErrno()
			r4, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: parent, Name: []byte(bn.name), Gfid: newID(), Mode: unix.S_IFIFO | 0o644, Caller: caller0})
			must(t, err)
			errs["mknod"] = r4.GetErrno()
			r5, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: parent, Name: []byte(bn.name), Gfid: newID(), Target: []byte("x"), Caller: caller0})
			must(t, err)
			errs["symlink"] = r5.GetErrno()
			r6, err := c.rpc.Link(ctx, &brickpb.LinkRequest{Session: c.id, Gfid: f, NewParent: parent, NewName: []byte(bn.name)})
			must(t, err)
			errs["link"] = r6.GetErrno()
			r7, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: parent, Name: []byte(bn.name)})
			must(t, err)
			errs["unlink"] = r7.GetErrno()
			r8, err := c.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: c.id, Parent: parent, Name: []byte(bn.name)})
			must(t, err)
			errs["rmdir"] = r8.GetErrno()
			r9, err := c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: d, OldName: []byte("f"), NewParent: parent, NewName: []byte(bn.name)})
			must(t, err)
			errs["rename to"] = r9.GetErrno()
			r10, err := c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: parent, OldName: []byte(bn.name), NewParent: d, NewName: []byte("g")})
			must(t, err)
			errs["rename from"] = r10.GetErrno()
			r11, err := c.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: c.id, Parent: parent, Name: []byte(bn.name), Domain: "d", Cmd: brickpb.LkCmd_LK_SET, Type: brickpb.LockType_LOCK_WRITE})
			must(t, err)
			if bn.name != "" { // the empty name locks the whole directory
				errs["entrylk"] = r11.GetErrno()
			}
			for op, e := range errs {
				wantErrno(t, op+" "+strings.ToValidUTF8(bn.name[:min(len(bn.name), 20)], "?"), e, bn.want)
			}
		}
	}
	// Nothing was made anywhere.
	for _, dir := range []string{ts.path, ts.dir} {
		names, err := os.ReadDir(dir)
		must(t, err)
		if dir == ts.dir && len(names) != 2 || dir == ts.path && len(names) != 2 {
			t.Errorf("%s holds %v", dir, names)
		}
	}
}

func TestReservedMetaDir(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	wantErrno(t, "lookup .mortar", c.lookup(root, ".mortar").GetErrno(), syscall.ENOENT)
	cr, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: root, Name: []byte(".mortar"), Gfid: newID(), Mode: 0o644, Flags: uint32(os.O_RDWR), Caller: caller0})
	must(t, err)
	wantErrno(t, "create .mortar", cr.GetErrno(), syscall.EPERM)
	mk, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: root, Name: []byte(".mortar"), Gfid: newID(), Mode: 0o755, Caller: caller0})
	must(t, err)
	wantErrno(t, "mkdir .mortar", mk.GetErrno(), syscall.EPERM)
	sl, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: root, Name: []byte(".mortar"), Gfid: newID(), Target: []byte("x"), Caller: caller0})
	must(t, err)
	wantErrno(t, "symlink .mortar", sl.GetErrno(), syscall.EPERM)
	rn, err := c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: root, OldName: []byte("d"), NewParent: root, NewName: []byte(".mortar")})
	must(t, err)
	wantErrno(t, "rename onto .mortar", rn.GetErrno(), syscall.EPERM)
	rn, err = c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: root, OldName: []byte(".mortar"), NewParent: d, NewName: []byte("stolen")})
	must(t, err)
	wantErrno(t, "rename .mortar away", rn.GetErrno(), syscall.ENOENT)
	g, fd := c.create(d, "f")
	c.release(fd)
	ln, err := c.rpc.Link(ctx, &brickpb.LinkRequest{Session: c.id, Gfid: g, NewParent: root, NewName: []byte(".mortar")})
	must(t, err)
	wantErrno(t, "link onto .mortar", ln.GetErrno(), syscall.EPERM)
	mn, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: root, Name: []byte(".mortar"), Gfid: newID(), Mode: unix.S_IFIFO | 0o644, Caller: caller0})
	must(t, err)
	wantErrno(t, "mknod .mortar", mn.GetErrno(), syscall.EPERM)
	ul, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte(".mortar")})
	must(t, err)
	wantErrno(t, "unlink .mortar", ul.GetErrno(), syscall.ENOENT)
	rm, err := c.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte(".mortar")})
	must(t, err)
	wantErrno(t, "rmdir .mortar", rm.GetErrno(), syscall.ENOENT)
	// .mortar below the root is an ordinary name.
	c.mkdir(d, ".mortar")
	wantErrno(t, "lookup d/.mortar", c.lookup(d, ".mortar").GetErrno(), 0)
	if _, err := os.Stat(ts.brickPath(".mortar", "brick.json")); err != nil {
		t.Fatalf("brick.json: %v", err)
	}
}

func TestSymlinksNeverFollowed(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	outside := ts.dir // holds the sentinel
	for _, tgt := range []string{outside, ts.sentinel, "/etc", "/etc/passwd", "../sentinel"} {
		name := "ln" + strings.ReplaceAll(tgt, "/", "_")
		sl, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: root, Name: []byte(name), Gfid: newID(), Target: []byte(tgt), Caller: caller0})
		must(t, err)
		wantErrno(t, "symlink", sl.GetErrno(), 0)
		g := sl.GetAttr().GetGfid()
		// Everything through the link name or its gfid acts on the link, or fails.
		wantErrno(t, "lookup below a symlink", c.lookup(g, "sentinel").GetErrno(), syscall.ENOTDIR)
		cr, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: g, Name: []byte("new"), Gfid: newID(), Mode: 0o644, Flags: uint32(os.O_RDWR), Caller: caller0})
		must(t, err)
		wantErrno(t, "create below a symlink", cr.GetErrno(), syscall.ENOTDIR)
		cr, err = c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: root, Name: []byte(name), Gfid: newID(), Mode: 0o644, Flags: uint32(os.O_RDWR | os.O_TRUNC), Caller: caller0})
		must(t, err)
		wantErrno(t, "create over a symlink", cr.GetErrno(), syscall.ELOOP)
		op, err := c.rpc.Open(ctx, &brickpb.OpenRequest{Session: c.id, Gfid: g, Flags: uint32(os.O_RDWR | os.O_TRUNC)})
		must(t, err)
		wantErrno(t, "open of a symlink", op.GetErrno(), syscall.ELOOP)
		od, err := c.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: g})
		must(t, err)
		wantErrno(t, "opendir of a symlink", od.GetErrno(), syscall.ENOTDIR)
		ga := c.getattr(g)
		if ga.GetErrno() != 0 || ga.GetAttr().GetMode()&unix.S_IFMT != unix.S_IFLNK || ga.GetAttr().GetSize() != uint64(len(tgt)) {
			t.Fatalf("getattr of a symlink: %v", ga)
		}
		sa, err := c.rpc.Setattr(ctx, &brickpb.SetattrRequest{Session: c.id, Gfid: g, Valid: uint32(brickpb.SetattrValid_SETATTR_SIZE), Size: 0})
		must(t, err)
		wantErrno(t, "truncate of a symlink", sa.GetErrno(), syscall.EINVAL)
		sa, err = c.rpc.Setattr(ctx, &brickpb.SetattrRequest{Session: c.id, Gfid: g, Valid: uint32(brickpb.SetattrValid_SETATTR_MODE), Mode: 0o777})
		must(t, err)
		wantErrno(t, "chmod of a symlink", sa.GetErrno(), syscall.EOPNOTSUPP)
		sa, err = c.rpc.Setattr(ctx, &brickpb.SetattrRequest{Session: c.id, Gfid: g,
			Valid: uint32(brickpb.SetattrValid_SETATTR_UID | brickpb.SetattrValid_SETATTR_GID | brickpb.SetattrValid_SETATTR_MTIME | brickpb.SetattrValid_SETATTR_ATIME_NOW),
			Uid:   4242, Gid: 4343, Mtime: &brickpb.Timespec{Sec: 12345}})
		must(t, err)
		if sa.GetErrno() != 0 || sa.GetAttr().GetUid() != 4242 || sa.GetAttr().GetMtime().GetSec() != 12345 {
			t.Fatalf("chown/utimes of a symlink: %v", sa)
		}
		sx, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte("trusted.test"), Value: []byte("v")})
		must(t, err)
		wantErrno(t, "setxattr on a symlink", sx.GetErrno(), 0)
		gx, err := c.rpc.Getxattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte("trusted.test")})
		must(t, err)
		if gx.GetErrno() != 0 || string(gx.GetValue()) != "v" {
			t.Fatalf("getxattr on a symlink: %v", gx)
		}
		sx, err = c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte("user.test"), Value: []byte("v")})
		must(t, err)
		wantErrno(t, "user xattr on a symlink", sx.GetErrno(), syscall.EPERM)
		var st unix.Stat_t
		must(t, unix.Lstat(ts.brickPath(name), &st))
		if st.Uid != 4242 {
			t.Fatalf("the link itself was not chowned: %d", st.Uid)
		}
		rd, err := c.rpc.Read(ctx, &brickpb.ReadRequest{Session: c.id, Gfid: g, Size: 100})
		must(t, err)
		wantErrno(t, "anonymous read of a symlink", rd.GetErrno(), syscall.ELOOP)
		wr, err := c.rpc.Write(ctx, &brickpb.WriteRequest{Session: c.id, Gfid: g, Data: []byte("x")})
		must(t, err)
		wantErrno(t, "anonymous write to a symlink", wr.GetErrno(), syscall.ELOOP)
		// Unlink removes the link, not its target.
		u, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte(name)})
		must(t, err)
		wantErrno(t, "unlink of a symlink", u.GetErrno(), 0)
	}
	var st unix.Stat_t
	must(t, unix.Stat("/etc/passwd", &st))
	if st.Uid != 0 {
		t.Fatalf("/etc/passwd owner changed to %d", st.Uid)
	}
	if v := make([]byte, 10); true {
		if _, err := unix.Getxattr(outside, "trusted.test", v); err == nil {
			t.Fatalf("xattr landed outside the brick")
		}
	}
}

func TestForgedInternalXattrs(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.release(fd)
	for _, g := range [][]byte{g, root} {
		for _, name := range []string{"trusted.mortar.gfid", "trusted.mortar.linkto", "trusted.mortar.pending.x", "trusted.mortar"} {
			sx, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte(name), Value: newID()})
			must(t, err)
			wantErrno(t, "set "+name, sx.GetErrno(), syscall.EPERM)
			gx, err := c.rpc.Getxattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte(name)})
			must(t, err)
			wantErrno(t, "get "+name, gx.GetErrno(), syscall.ENODATA)
			rx, err := c.rpc.Removexattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte(name)})
			must(t, err)
			wantErrno(t, "remove "+name, rx.GetErrno(), syscall.EPERM)
		}
		lx, err := c.rpc.Listxattr(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: g})
		must(t, err)
		for _, n := range lx.GetNames() {
			if bytes.HasPrefix(n, []byte("trusted.mortar")) {
				t.Fatalf("listxattr shows %s", n)
			}
		}
	}
	// The gfid is intact.
	if l := c.lookup(root, "f"); !bytes.Equal(l.GetAttr().GetGfid(), g) {
		t.Fatalf("gfid changed: %v", l)
	}
	// Names outside the passed namespaces.
	for name, want := range map[string]syscall.Errno{"": syscall.EINVAL, "os2.x": syscall.EOPNOTSUPP, "system.foo": syscall.EOPNOTSUPP,
		"user.": syscall.EOPNOTSUPP, strings.Repeat("u", 300): syscall.ERANGE} {
		sx, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte(name), Value: []byte("v")})
		must(t, err)
		wantErrno(t, "set "+name, sx.GetErrno(), want)
	}
	sx, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte("user.big"), Value: make([]byte, 65537)})
	must(t, err)
	wantErrno(t, "set 64 KiB + 1", sx.GetErrno(), syscall.E2BIG)
}

func TestXattrs(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.release(fd)
	set := func(name, v string, flags uint32) int32 {
		r, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte(name), Value: []byte(v), Flags: flags})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "set", set("user.a", "1", 0), 0)
	wantErrno(t, "create existing", set("user.a", "2", unix.XATTR_CREATE), syscall.EEXIST)
	wantErrno(t, "replace missing", set("user.b", "2", unix.XATTR_REPLACE), syscall.ENODATA)
	wantErrno(t, "bad flags", set("user.b", "2", 4), syscall.EINVAL)
	wantErrno(t, "trusted", set("trusted.other", "t", 0), 0)
	wantErrno(t, "security", set("security.x", "s", 0), 0)
	big := strings.Repeat("v", 3000) // ext4 keeps values within a block
	wantErrno(t, "big", set("user.big", big, 0), 0)
	gx, err := c.rpc.Getxattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte("user.big")})
	must(t, err)
	if gx.GetErrno() != 0 || string(gx.GetValue()) != big {
		t.Fatalf("get big: %d bytes, %v", len(gx.GetValue()), syscall.Errno(gx.GetErrno()))
	}
	lx, err := c.rpc.Listxattr(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: g})
	must(t, err)
	if got := string(bytes.Join(lx.GetNames(), []byte(","))); got != "user.a,trusted.other,security.x,user.big" && len(lx.GetNames()) != 4 {
		t.Fatalf("list: %v", lx.GetNames())
	}
	rx, err := c.rpc.Removexattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte("user.a")})
	must(t, err)
	wantErrno(t, "remove", rx.GetErrno(), 0)
	gx, err = c.rpc.Getxattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte("user.a")})
	must(t, err)
	wantErrno(t, "get removed", gx.GetErrno(), syscall.ENODATA)
	// A POSIX ACL passes through (a minimal ACL: user::rw-, group::r--, other::r--).
	acl := []byte{2, 0, 0, 0, 1, 0, 6, 0, 255, 255, 255, 255, 4, 0, 4, 0, 255, 255, 255, 255, 32, 0, 4, 0, 255, 255, 255, 255}
	r, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte("system.posix_acl_access"), Value: acl})
	must(t, err)
	wantErrno(t, "acl", r.GetErrno(), 0)
}

func TestUnknownAndMalformedGfids(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	unknown := newID()
	for name, g := range map[string][]byte{"unknown": unknown, "short": make([]byte, 15), "long": make([]byte, 17), "zero": make([]byte, 16), "missing": nil} {
		want := syscall.EINVAL
		if name == "unknown" {
			want = syscall.ESTALE
		}
		wantErrno(t, name+" getattr", c.getattr(g).GetErrno(), want)
		wantErrno(t, name+" lookup", c.lookup(g, "x").GetErrno(), want)
		op, err := c.rpc.Open(ctx, &brickpb.OpenRequest{Session: c.id, Gfid: g})
		must(t, err)
		wantErrno(t, name+" open", op.GetErrno(), want)
		od, err := c.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: g})
		must(t, err)
		wantErrno(t, name+" opendir", od.GetErrno(), want)
		mk, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: g, Name: []byte("x"), Gfid: newID(), Caller: caller0})
		must(t, err)
		wantErrno(t, name+" mkdir in", mk.GetErrno(), want)
		xo, err := c.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: c.id, Gfid: g})
		must(t, err)
		wantErrno(t, name+" xattrop", xo.GetErrno(), want)
		il, err := c.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: c.id, Gfid: g, Domain: "d", Cmd: brickpb.LkCmd_LK_SET, Lock: &brickpb.Lock{End: 10}})
		must(t, err)
		wantErrno(t, name+" inodelk", il.GetErrno(), want)
		if name != "missing" {
			mk, err = c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: root, Name: []byte("new-" + name), Gfid: g, Caller: caller0})
			must(t, err)
			if want := map[string]syscall.Errno{"unknown": 0}[name]; name == "unknown" {
				wantErrno(t, "mkdir with a fresh gfid", mk.GetErrno(), want)
			} else {
				wantErrno(t, name+" mkdir with", mk.GetErrno(), syscall.EINVAL)
			}
		}
	}
	// The root gfid cannot name a new inode; a missing caller is malformed.
	mk, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: root, Name: []byte("r"), Gfid: root, Caller: caller0})
	must(t, err)
	wantErrno(t, "mkdir with the root gfid", mk.GetErrno(), syscall.EINVAL)
	mk, err = c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: root, Name: []byte("r"), Gfid: newID()})
	must(t, err)
	wantErrno(t, "mkdir without a caller", mk.GetErrno(), syscall.EINVAL)
}

func TestForgedDirHandles(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	f, fd := c.create(d, "f")
	c.release(fd)
	fid, _ := gfid.FromBytes(f)
	forge := func(target string) []byte {
		g := newID()
		p := ts.handlePath(g)
		must(t, os.MkdirAll(filepath.Dir(p), 0o700))
		must(t, os.Symlink(target, p))
		return g
	}
	targets := []string{
		"../../../brick.json",
		"../../..",
		"../../../..",
		ts.dir,
		"/etc",
		"../../00/00/00000000-0000-0000-0000-000000000001/.mortar",
		"../../00/00/00000000-0000-0000-0000-000000000001/..",
		"../../00/00/00000000-0000-0000-0000-000000000001/d/..",
		"../../00/00/00000000-0000-0000-0000-000000000001/d",    // d exists, but has another gfid
		"../../" + fid.HandlePath() + "/x",                      // a file as parent
		"../../ff/ff/00000000-0000-0000-0000-000000000001/d",    // wrong fan-out
		"../../00/00/00000000-0000-0000-0000-000000000001/../d", // too many parts
	}
	for _, tgt := range targets {
		g := forge(tgt)
		wantErrno(t, "getattr via "+tgt, c.getattr(g).GetErrno(), syscall.ESTALE)
		wantErrno(t, "lookup via "+tgt, c.lookup(g, "brick.json").GetErrno(), syscall.ESTALE)
		od, err := c.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: g})
		must(t, err)
		wantErrno(t, "opendir via "+tgt, od.GetErrno(), syscall.ESTALE)
		cr, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: g, Name: []byte("planted"), Gfid: newID(), Mode: 0o644, Flags: uint32(os.O_RDWR), Caller: caller0})
		must(t, err)
		wantErrno(t, "create via "+tgt, cr.GetErrno(), syscall.ESTALE)
	}
	// A forged hard-link-style handle of a dir gfid pointing at itself loops no more than maxDepth.
	g := newID()
	id, _ := gfid.FromBytes(g)
	forge2 := ts.handlePath(g)
	must(t, os.MkdirAll(filepath.Dir(forge2), 0o700))
	must(t, os.Symlink("../../"+id.HandlePath()+"/loop", forge2))
	wantErrno(t, "self-parent handle", c.getattr(g).GetErrno(), syscall.ESTALE)
	for _, dir := range []string{ts.dir, filepath.Join(ts.path, ".mortar")} {
		if _, err := os.Stat(filepath.Join(dir, "planted")); err == nil {
			t.Fatalf("a file was planted in %s", dir)
		}
	}
}
