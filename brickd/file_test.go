package brickd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/proto/brickpb"
)

func TestReadWrite(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.write(g, fd, 0, "hello world")
	if got, e := c.read(g, fd, 6, 100); e != 0 || got != "world" {
		t.Fatalf("read: %q %v", got, syscall.Errno(e))
	}
	if got, e := c.read(nil, fd, 0, 5); e != 0 || got != "hello" {
		t.Fatalf("read by fd only: %q %v", got, syscall.Errno(e))
	}
	if got, e := c.read(g, fd, 100, 10); e != 0 || got != "" {
		t.Fatalf("read past eof: %q %v", got, syscall.Errno(e))
	}
	_, e := c.read(g, fd, 0, 1<<20+1)
	wantErrno(t, "read over 1 MiB", e, syscall.EINVAL)
	_, e = c.read(g, fd, -1, 1)
	wantErrno(t, "read at a negative offset", e, syscall.EINVAL)
	w, err := c.rpc.Write(ctx, &brickpb.WriteRequest{Session: c.id, Gfid: g, Fd: fd, Data: make([]byte, 1<<20+1)})
	must(t, err)
	wantErrno(t, "write over 1 MiB", w.GetErrno(), syscall.EINVAL)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	w, err = c.rpc.Write(ctx, &brickpb.WriteRequest{Session: c.id, Gfid: g, Fd: fd, Offset: 1 << 32, Data: big})
	must(t, err)
	if w.GetErrno() != 0 || w.GetWritten() != 1<<20 || w.GetAttr().GetSize() != 1<<32+1<<20 {
		t.Fatalf("1 MiB write past 4 GiB: %v", w)
	}
	if got, e := c.read(g, fd, 1<<32, 1<<20); e != 0 || got != string(big) {
		t.Fatalf("1 MiB read: %d bytes, %v", len(got), syscall.Errno(e))
	}
	wantErrno(t, "read of another gfid", func() int32 { _, e := c.read(newID(), fd, 0, 1); return e }(), syscall.EBADF)
	wantErrno(t, "read of an unknown fd", func() int32 { _, e := c.read(g, 999, 0, 1); return e }(), syscall.EBADF)
	// Lseek over the hole between 11 and 4 GiB.
	ls, err := c.rpc.Lseek(ctx, &brickpb.LseekRequest{Session: c.id, Fd: fd, Offset: 8192, Whence: unix.SEEK_DATA})
	must(t, err)
	if ls.GetErrno() != 0 || ls.GetOffset() != 1<<32 {
		t.Fatalf("seek data: %v", ls)
	}
	ls, err = c.rpc.Lseek(ctx, &brickpb.LseekRequest{Session: c.id, Fd: fd, Offset: 0, Whence: unix.SEEK_HOLE})
	must(t, err)
	if ls.GetErrno() != 0 || ls.GetOffset() >= 1<<32 {
		t.Fatalf("seek hole: %v", ls)
	}
	ls, err = c.rpc.Lseek(ctx, &brickpb.LseekRequest{Session: c.id, Fd: fd, Offset: 0, Whence: unix.SEEK_END})
	must(t, err)
	wantErrno(t, "seek end", ls.GetErrno(), syscall.EINVAL)
	fa, err := c.rpc.Fallocate(ctx, &brickpb.FallocateRequest{Session: c.id, Fd: fd, Mode: unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_KEEP_SIZE, Offset: 0, Length: 5})
	must(t, err)
	wantErrno(t, "punch hole", fa.GetErrno(), 0)
	if got, _ := c.read(g, fd, 0, 6); got != "\x00\x00\x00\x00\x00 " {
		t.Fatalf("after punch: %q", got)
	}
	fs, err := c.rpc.Fsync(ctx, &brickpb.FsyncRequest{Session: c.id, Fd: fd, Datasync: true})
	must(t, err)
	wantErrno(t, "fsync", fs.GetErrno(), 0)
	c.release(fd)
	rel, err := c.rpc.Release(ctx, &brickpb.FdRequest{Session: c.id, Fd: fd})
	must(t, err)
	wantErrno(t, "double release", rel.GetErrno(), syscall.EBADF)
	_, e = c.read(g, fd, 0, 1)
	wantErrno(t, "read after release", e, syscall.EBADF)
}

func TestOpenFlags(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.write(g, fd, 0, "12345")
	c.release(fd)
	open := func(g []byte, flags int) *brickpb.OpenReply {
		t.Helper()
		r, err := c.rpc.Open(ctx, &brickpb.OpenRequest{Session: c.id, Gfid: g, Flags: uint32(flags)})
		must(t, err)
		return r
	}
	ro := open(g, os.O_RDONLY)
	wantErrno(t, "open ro", ro.GetErrno(), 0)
	w, err := c.rpc.Write(ctx, &brickpb.WriteRequest{Session: c.id, Fd: ro.GetFd(), Data: []byte("x")})
	must(t, err)
	wantErrno(t, "write to a read-only fd", w.GetErrno(), syscall.EBADF)
	wo := open(g, os.O_WRONLY|os.O_APPEND)
	c.write(g, wo.GetFd(), 0, "678") // offset ignored with O_APPEND
	_, e := c.read(g, wo.GetFd(), 0, 10)
	wantErrno(t, "read from a write-only fd", e, syscall.EBADF)
	if got, _ := c.read(g, ro.GetFd(), 0, 100); got != "12345678" {
		t.Fatalf("after append: %q", got)
	}
	tr := open(g, os.O_RDWR|os.O_TRUNC|syscall.O_DIRECT)
	if tr.GetErrno() != 0 || tr.GetAttr().GetSize() != 0 {
		t.Fatalf("open O_TRUNC: %v", tr)
	}
	c.write(g, tr.GetFd(), 3, "odd") // O_DIRECT is not passed to the brick's fd: unaligned I/O works
	for _, fd := range []uint64{ro.GetFd(), wo.GetFd(), tr.GetFd()} {
		c.release(fd)
	}
	wantErrno(t, "open O_ACCMODE", open(g, 3).GetErrno(), syscall.EINVAL)
	d := c.mkdir(root, "d")
	wantErrno(t, "open dir", open(d, os.O_RDONLY).GetErrno(), syscall.EISDIR)
	for _, mode := range []uint32{unix.S_IFIFO | 0o666, unix.S_IFCHR | 0o666, unix.S_IFSOCK | 0o666} {
		mk, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: d, Name: []byte("special"), Gfid: newID(), Mode: mode, Rdev: unix.Mkdev(1, 5), Caller: caller0})
		must(t, err)
		wantErrno(t, "mknod", mk.GetErrno(), 0)
		wantErrno(t, "open of a special file", open(mk.GetAttr().GetGfid(), os.O_RDONLY).GetErrno(), syscall.ENXIO)
		u, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: d, Name: []byte("special")})
		must(t, err)
		wantErrno(t, "unlink", u.GetErrno(), 0)
	}
}

func TestAnonymousFd(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.release(fd)
	c.write(g, 0, 0, "anon")
	if got, e := c.read(g, 0, 0, 10); e != 0 || got != "anon" {
		t.Fatalf("anonymous read: %q %v", got, syscall.Errno(e))
	}
	_, e := c.read(nil, 0, 0, 10)
	wantErrno(t, "no fd no gfid", e, syscall.EINVAL)
	fa, err := c.rpc.Fallocate(ctx, &brickpb.FallocateRequest{Session: c.id, Gfid: g, Offset: 0, Length: 8192})
	must(t, err)
	wantErrno(t, "anonymous fallocate", fa.GetErrno(), 0)
	if a := c.getattr(g).GetAttr(); a.GetSize() != 8192 {
		t.Fatalf("size after fallocate: %d", a.GetSize())
	}
	// The handle is not left open: no counted open remains.
	if _, err := os.Stat(filepath.Join(ts.path, ".mortar", "unlink")); err != nil {
		t.Fatal(err)
	}
}

func TestSetattr(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	g, fd := c.create(root, "f")
	c.write(g, fd, 0, "0123456789")
	set := func(r *brickpb.SetattrRequest) *brickpb.AttrReply {
		t.Helper()
		r.Session, r.Gfid = c.id, g
		rep, err := c.rpc.Setattr(ctx, r)
		must(t, err)
		return rep
	}
	r := set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_MODE), Mode: 0o4751})
	if r.GetErrno() != 0 || r.GetPre().GetMode() != unix.S_IFREG|0o644 || r.GetAttr().GetMode() != unix.S_IFREG|0o4751 {
		t.Fatalf("chmod: %v", r)
	}
	r = set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_UID | brickpb.SetattrValid_SETATTR_GID), Uid: 1000, Gid: 1001})
	if r.GetErrno() != 0 || r.GetAttr().GetUid() != 1000 || r.GetAttr().GetGid() != 1001 {
		t.Fatalf("chown: %v", r)
	}
	r = set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_SIZE), Size: 4})
	if r.GetErrno() != 0 || r.GetAttr().GetSize() != 4 || r.GetPre().GetSize() != 10 {
		t.Fatalf("truncate: %v", r)
	}
	r = set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_SIZE), Size: 2, Fd: fd})
	if r.GetErrno() != 0 || r.GetAttr().GetSize() != 2 {
		t.Fatalf("ftruncate: %v", r)
	}
	r = set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_SIZE), Size: 2, Fd: 999})
	wantErrno(t, "ftruncate of an unknown fd", r.GetErrno(), syscall.EBADF)
	r = set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_ATIME | brickpb.SetattrValid_SETATTR_MTIME),
		Atime: &brickpb.Timespec{Sec: 1000, Nsec: 5}, Mtime: &brickpb.Timespec{Sec: 2000, Nsec: 7}})
	if r.GetErrno() != 0 || r.GetAttr().GetAtime().GetSec() != 1000 || r.GetAttr().GetMtime().GetNsec() != 7 {
		t.Fatalf("utimes: %v", r)
	}
	r = set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_MTIME_NOW)})
	if r.GetErrno() != 0 || r.GetAttr().GetMtime().GetSec() < 1_700_000_000 || r.GetAttr().GetAtime().GetSec() != 1000 {
		t.Fatalf("utimes now: %v", r)
	}
	r = set(&brickpb.SetattrRequest{Valid: uint32(brickpb.SetattrValid_SETATTR_MTIME), Mtime: &brickpb.Timespec{Nsec: 1e9}})
	wantErrno(t, "bad nsec", r.GetErrno(), syscall.EINVAL)
	d := c.mkdir(root, "d")
	rd, err := c.rpc.Setattr(ctx, &brickpb.SetattrRequest{Session: c.id, Gfid: d, Valid: uint32(brickpb.SetattrValid_SETATTR_SIZE)})
	must(t, err)
	wantErrno(t, "truncate of a dir", rd.GetErrno(), syscall.EISDIR)
	c.release(fd)
}

func TestUnlinkedButOpen(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	other := ts.session()
	g, fd := c.create(root, "f")
	c.write(g, fd, 0, "still here")
	// Another session holds the file open too.
	op, err := other.rpc.Open(ctx, &brickpb.OpenRequest{Session: other.id, Gfid: g, Flags: uint32(os.O_RDONLY)})
	must(t, err)
	wantErrno(t, "open", op.GetErrno(), 0)
	u, err := c.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: c.id, Parent: root, Name: []byte("f")})
	must(t, err)
	if u.GetErrno() != 0 || u.GetAttr().GetNlink() != 0 {
		t.Fatalf("unlink: %v", u)
	}
	parked := filepath.Join(ts.path, ".mortar", "unlink", strings.ToLower(mustGfid(t, g).String()))
	if _, err := os.Lstat(parked); err != nil {
		t.Fatalf("handle not parked: %v", err)
	}
	if _, err := os.Lstat(ts.handlePath(g)); !os.IsNotExist(err) {
		t.Fatalf("handle still in handles/: %v", err)
	}
	c.write(g, fd, 10, "!")
	if got, e := c.read(g, fd, 0, 100); e != 0 || got != "still here!" {
		t.Fatalf("read after unlink: %q %v", got, syscall.Errno(e))
	}
	if got, _ := other.read(g, op.GetFd(), 0, 100); got != "still here!" {
		t.Fatalf("other session read: %q", got)
	}
	// Still resolvable by gfid while open, with nlink 0; not linkable again.
	if a := c.getattr(g); a.GetErrno() != 0 || a.GetAttr().GetNlink() != 0 {
		t.Fatalf("getattr of an unlinked open file: %v", a)
	}
	l, err := c.rpc.Link(ctx, &brickpb.LinkRequest{Session: c.id, Gfid: g, NewParent: root, NewName: []byte("again")})
	must(t, err)
	wantErrno(t, "link of an unlinked file", l.GetErrno(), syscall.ENOENT)
	c.release(fd)
	if _, err := os.Lstat(parked); err != nil {
		t.Fatalf("parked handle dropped while still open elsewhere: %v", err)
	}
	// The last close (here: the session ending) deletes it.
	other.close()
	if _, err := os.Lstat(parked); !os.IsNotExist(err) {
		t.Fatalf("parked handle left after the last close: %v", err)
	}
	wantErrno(t, "getattr after the last close", c.getattr(g).GetErrno(), syscall.ESTALE)
	// Rename over an open file parks it too.
	g2, fd2 := c.create(root, "victim")
	c.write(g2, fd2, 0, "old")
	_, fd3 := c.create(root, "new")
	c.release(fd3)
	rn, err := c.rpc.Rename(ctx, &brickpb.RenameRequest{Session: c.id, OldParent: root, OldName: []byte("new"), NewParent: root, NewName: []byte("victim")})
	must(t, err)
	if rn.GetErrno() != 0 || rn.GetReplaced().GetNlink() != 0 {
		t.Fatalf("rename over an open file: %v", rn)
	}
	if got, _ := c.read(g2, fd2, 0, 10); got != "old" {
		t.Fatalf("replaced file read: %q", got)
	}
	c.release(fd2)
	names, err := os.ReadDir(filepath.Join(ts.path, ".mortar", "unlink"))
	must(t, err)
	if len(names) != 0 {
		t.Fatalf("unlink dir not empty: %v", names)
	}
}
