package brickd

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// Linux names, symlink targets and xattr names are bytes, not UTF-8: the
// protocol carries them in bytes fields, unchanged.
const (
	rawName    = "\xff\xfe-latin1-\xe9"   // not UTF-8
	rawDir     = "dir-\xe9t\xe9"          // latin-1 "été"
	rawRenamed = "\xc0\xaf-overlong-\x80" // an overlong '/' is not a '/'
	rawTarget  = "../\xff/target-\xfe"
	rawXattr   = "user.\xff\xfe-\xe9"
)

func TestRawNamesCreateLookupReaddir(t *testing.T) {
	ts := newTestServer(t)
	c, other := ts.session(), ts.session()
	d := c.mkdir(root, rawDir)
	other.expectEvents(entryEv(root, rawDir))
	g, fd := c.create(d, rawName)
	c.write(g, fd, 0, "bytes")
	c.release(fd)
	other.expectEvents(entryEv(d, rawName), inodeEv(d))
	if l := c.lookup(d, rawName); l.GetErrno() != 0 || !bytes.Equal(l.GetAttr().GetGfid(), g) {
		t.Fatalf("lookup %q: %v", rawName, l)
	}
	// The brick holds exactly these bytes: an administrator sees the name.
	if b, err := os.ReadFile(ts.brickPath(rawDir, rawName)); err != nil || string(b) != "bytes" {
		t.Fatalf("on the brick: %q, %v", b, err)
	}
	ents := c.readAll(d, 0, 10)
	if len(ents) != 1 || !bytes.Equal(ents[0].GetName(), []byte(rawName)) || !bytes.Equal(ents[0].GetAttr().GetGfid(), g) {
		t.Fatalf("readdir: %v", ents)
	}
	if ents := c.readAll(root, 0, 10); len(ents) != 1 || string(ents[0].GetName()) != rawDir {
		t.Fatalf("readdir of the root: %v", ents)
	}
}

func TestRawNamesRenameLinkUnlink(t *testing.T) {
	ts := newTestServer(t)
	c, other := ts.session(), ts.session()
	g, fd := c.create(root, rawName)
	c.release(fd)
	rn, err := c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: root, OldName: []byte(rawName), NewParent: root, NewName: []byte(rawRenamed)})
	must(t, err)
	wantErrno(t, "rename", rn.GetErrno(), 0)
	other.expectEvents(entryEv(root, rawName), entryEv(root, rawRenamed))
	wantErrno(t, "lookup of the old name", c.lookup(root, rawName).GetErrno(), syscall.ENOENT)
	if l := c.lookup(root, rawRenamed); !bytes.Equal(l.GetAttr().GetGfid(), g) {
		t.Fatalf("lookup of the new name: %v", l)
	}
	ln, err := c.rpc.Link(ctx, &brickpb.LinkRequest{Session: c.id, Gfid: g, NewParent: root, NewName: []byte(rawName)})
	must(t, err)
	if ln.GetErrno() != 0 || ln.GetAttr().GetNlink() != 2 {
		t.Fatalf("link: %v", ln)
	}
	if _, err := os.Lstat(ts.brickPath(rawName)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{rawName, rawRenamed} {
		u, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte(name)})
		must(t, err)
		wantErrno(t, "unlink "+strings.ToValidUTF8(name, "?"), u.GetErrno(), 0)
	}
	if ents := c.readAll(root, 0, 10); len(ents) != 0 {
		t.Fatalf("readdir after unlink: %v", ents)
	}
}

func TestRawNamesSymlink(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	sl, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: root, Name: []byte(rawName), Gfid: newID(), Target: []byte(rawTarget), Caller: caller0})
	must(t, err)
	wantErrno(t, "symlink", sl.GetErrno(), 0)
	if got, err := os.Readlink(ts.brickPath(rawName)); err != nil || got != rawTarget {
		t.Fatalf("on the brick: %q, %v", got, err)
	}
	rl, err := c.rpc.Readlink(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: sl.GetAttr().GetGfid()})
	must(t, err)
	if rl.GetErrno() != 0 || string(rl.GetTarget()) != rawTarget {
		t.Fatalf("readlink: %q, %v", rl.GetTarget(), syscall.Errno(rl.GetErrno()))
	}
	// A target with a NUL is still refused.
	bad, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: root, Name: []byte("nul"), Gfid: newID(), Target: []byte("\xff\x00"), Caller: caller0})
	must(t, err)
	wantErrno(t, "symlink to a target with NUL", bad.GetErrno(), syscall.EINVAL)
}

// TestRawNamesPlacedOnBrick: entries an administrator made directly are
// listed and read as they are.
func TestRawNamesPlacedOnBrick(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	d := c.mkdir(root, "d")
	must(t, os.WriteFile(ts.brickPath("d", "bad\xff"), nil, 0o644))
	must(t, os.Symlink("target\xfe", ts.brickPath("d", "badlink\xe9")))
	var names []string
	for _, e := range c.readAll(d, 0, 10) {
		names = append(names, string(e.GetName()))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"badlink\xe9", "bad\xff"}) {
		t.Fatalf("readdir: %q", names)
	}
	r, err := c.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: c.id, Parent: d, Name: []byte("badlink\xe9"), GfidReq: newID()})
	must(t, err)
	wantErrno(t, "lookup", r.GetErrno(), 0)
	rl, err := c.rpc.Readlink(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: r.GetAttr().GetGfid()})
	must(t, err)
	if rl.GetErrno() != 0 || string(rl.GetTarget()) != "target\xfe" {
		t.Fatalf("readlink: %q, %v", rl.GetTarget(), syscall.Errno(rl.GetErrno()))
	}
}

func TestRawXattrNames(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.release(fd)
	sx, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: g, Name: []byte(rawXattr), Value: []byte("\xff\x00v")})
	must(t, err)
	wantErrno(t, "setxattr", sx.GetErrno(), 0)
	gx, err := c.rpc.Getxattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte(rawXattr)})
	must(t, err)
	if gx.GetErrno() != 0 || string(gx.GetValue()) != "\xff\x00v" {
		t.Fatalf("getxattr: %q, %v", gx.GetValue(), syscall.Errno(gx.GetErrno()))
	}
	lx, err := c.rpc.Listxattr(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: g})
	must(t, err)
	if lx.GetErrno() != 0 || !slices.ContainsFunc(lx.GetNames(), func(n []byte) bool { return string(n) == rawXattr }) {
		t.Fatalf("listxattr: %q, %v", lx.GetNames(), syscall.Errno(lx.GetErrno()))
	}
	rx, err := c.rpc.Removexattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte(rawXattr)})
	must(t, err)
	wantErrno(t, "removexattr", rx.GetErrno(), 0)
	gx, err = c.rpc.Getxattr(ctx, &brickpb.GetxattrRequest{Session: c.id, Gfid: g, Name: []byte(rawXattr)})
	must(t, err)
	wantErrno(t, "getxattr after remove", gx.GetErrno(), syscall.ENODATA)
}

func TestRawNamesEntrylk(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	lock := func(c *client, name string, typ brickpb.LockType) int32 {
		r, err := c.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: c.id, Parent: root, Name: []byte(name), Domain: "d", Cmd: brickpb.LkCmd_LK_SET, Type: typ, Owner: 1})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "lock", lock(a, rawName, brickpb.LockType_LOCK_WRITE), 0)
	wantErrno(t, "conflicting lock", lock(b, rawName, brickpb.LockType_LOCK_WRITE), syscall.EAGAIN)
	wantErrno(t, "other name", lock(b, rawRenamed, brickpb.LockType_LOCK_WRITE), 0)
	wantErrno(t, "unlock", lock(a, rawName, brickpb.LockType_LOCK_UNLOCK), 0)
	wantErrno(t, "lock after unlock", lock(b, rawName, brickpb.LockType_LOCK_WRITE), 0)
}
