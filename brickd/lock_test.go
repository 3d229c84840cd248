package brickd

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/proto/brickpb"
)

func (c *client) lk(g []byte, fd uint64, cmd brickpb.LkCmd, typ brickpb.LockType, start, end, owner uint64, flock bool) *brickpb.LkReply {
	c.t.Helper()
	return c.lkCtx(ctx, g, fd, cmd, typ, start, end, owner, flock)
}

func (c *client) lkCtx(cx context.Context, g []byte, fd uint64, cmd brickpb.LkCmd, typ brickpb.LockType, start, end, owner uint64, flock bool) *brickpb.LkReply {
	c.t.Helper()
	r, err := c.rpc.Lk(cx, &brickpb.LkRequest{Session: c.id, Gfid: g, Fd: fd, Cmd: cmd, Flock: flock,
		Lock: &brickpb.Lock{Type: typ, Start: start, End: end, Owner: owner, Pid: uint32(owner)}})
	must(c.t, err)
	return r
}

func (c *client) open(g []byte, flags int) uint64 {
	c.t.Helper()
	r, err := c.rpc.Open(ctx, &brickpb.OpenRequest{Session: c.id, Gfid: g, Flags: uint32(flags)})
	must(c.t, err)
	wantErrno(c.t, "open", r.GetErrno(), 0)
	return r.GetFd()
}

const (
	get  = brickpb.LkCmd_LK_GET
	set  = brickpb.LkCmd_LK_SET
	setw = brickpb.LkCmd_LK_SETW
	rd   = brickpb.LockType_LOCK_READ
	wr   = brickpb.LockType_LOCK_WRITE
	un   = brickpb.LockType_LOCK_UNLOCK
	eof  = locks.ToEOF
)

func TestPosixLocks(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	g, fda := a.create(root, "f")
	fdb := b.open(g, os.O_RDWR)
	wantErrno(t, "a locks 0-99", a.lk(g, fda, set, wr, 0, 99, 1, false).GetErrno(), 0)
	wantErrno(t, "b conflicts", b.lk(g, fdb, set, rd, 50, 60, 1, false).GetErrno(), syscall.EAGAIN)
	wantErrno(t, "b beside", b.lk(g, fdb, set, wr, 100, eof, 1, false).GetErrno(), 0)
	gl := b.lk(g, fdb, get, wr, 0, eof, 1, false)
	if gl.GetErrno() != 0 || gl.GetLock().GetType() != wr || gl.GetLock().GetStart() != 0 || gl.GetLock().GetEnd() != 99 || gl.GetLock().GetPid() != 1 {
		t.Fatalf("getlk: %v", gl)
	}
	// Same session, another owner conflicts too; the same owner does not.
	wantErrno(t, "other owner", a.lk(g, fda, set, rd, 10, 10, 2, false).GetErrno(), syscall.EAGAIN)
	wantErrno(t, "same owner relock", a.lk(g, fda, set, rd, 10, 10, 1, false).GetErrno(), 0)
	// Split: 0-9 W, 10 R, 11-99 W. b's read of 10 is now possible.
	wantErrno(t, "read on the split", b.lk(g, fdb, set, rd, 10, 10, 1, false).GetErrno(), 0)
	// Flush by owner 1 releases a's locks; b's write lock stays.
	fl, err := a.rpc.Flush(ctx, &brickpb.FdRequest{Session: a.id, Fd: fda, LockOwner: 1})
	must(t, err)
	wantErrno(t, "flush", fl.GetErrno(), 0)
	if gl := a.lk(g, fda, get, wr, 0, 99, 1, false); gl.GetLock().GetType() != rd || gl.GetLock().GetStart() != 10 {
		t.Fatalf("after flush: %v", gl)
	}
	// Access modes: a write lock needs a writable fd.
	ro := a.open(g, os.O_RDONLY)
	wantErrno(t, "write lock on a read-only fd", a.lk(g, ro, set, wr, 0, 0, 3, false).GetErrno(), syscall.EBADF)
	// Malformed requests.
	wantErrno(t, "getlk of unlock", a.lk(g, fda, get, un, 0, 0, 1, false).GetErrno(), syscall.EINVAL)
	wantErrno(t, "start > end", a.lk(g, fda, set, rd, 9, 1, 1, false).GetErrno(), syscall.EINVAL)
	wantErrno(t, "bad cmd", a.lk(g, fda, 7, rd, 0, 1, 1, false).GetErrno(), syscall.EINVAL)
	wantErrno(t, "unknown fd", a.lk(g, 999, set, rd, 0, 1, 1, false).GetErrno(), syscall.EBADF)
	r, err := a.rpc.Lk(ctx, &brickpb.LkRequest{Session: a.id, Gfid: g, Fd: fda, Cmd: set})
	must(t, err)
	wantErrno(t, "no lock", r.GetErrno(), syscall.EINVAL)
}

func TestSetlkwWaitsAndIsInterrupted(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	g, fda := a.create(root, "f")
	fdb := b.open(g, os.O_RDWR)
	wantErrno(t, "a locks", a.lk(g, fda, set, wr, 0, eof, 1, false).GetErrno(), 0)
	// A waiter whose call is cancelled gets EINTR.
	cx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	r, err := b.rpc.Lk(cx, &brickpb.LkRequest{Session: b.id, Gfid: g, Fd: fdb, Cmd: setw, Lock: &brickpb.Lock{Type: wr, End: 10, Owner: 1}})
	if err == nil {
		t.Fatalf("cancelled SETLKW answered: %v", r)
	}
	// A waiter is granted when the holder unlocks.
	done := make(chan *brickpb.LkReply, 1)
	go func() { done <- b.lk(g, fdb, setw, wr, 0, 10, 1, false) }()
	key := locks.Key{Space: locks.Posix, Gfid: mustGfid(t, g)}
	waitFor(t, "waiter blocked", func() bool { return b.blockedOn(key) })
	wantErrno(t, "unlock", a.lk(g, fda, set, un, 0, eof, 1, false).GetErrno(), 0)
	select {
	case r := <-done:
		wantErrno(t, "granted", r.GetErrno(), 0)
	case <-time.After(10 * time.Second):
		t.Fatal("SETLKW not granted after unlock")
	}
}

// blockedOn reports whether a lock request of the session waits in key.
func (c *client) blockedOn(key locks.Key) bool {
	se, ok := c.ts.srv.lookupSession(c.id)
	return ok && se.brick.locks.Waiters(key) > 0
}

func TestLocksReleasedOnDisconnect(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	g, fda := a.create(root, "f")
	d := a.mkdir(root, "d")
	fdb := b.open(g, os.O_RDWR)
	wantErrno(t, "posix", a.lk(g, fda, set, wr, 0, eof, 1, false).GetErrno(), 0)
	wantErrno(t, "flock", a.lk(g, fda, set, wr, 0, 0, 0, true).GetErrno(), 0)
	il, err := a.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: a.id, Gfid: g, Domain: "afr.data", Cmd: set, Lock: &brickpb.Lock{Type: wr, End: eof, Owner: 9}})
	must(t, err)
	wantErrno(t, "inodelk", il.GetErrno(), 0)
	el, err := a.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: a.id, Parent: d, Name: []byte("x"), Domain: "afr.entry", Cmd: set, Type: wr, Owner: 9})
	must(t, err)
	wantErrno(t, "entrylk", el.GetErrno(), 0)
	// b is refused everything, and starts waiting for the posix lock.
	wantErrno(t, "b posix", b.lk(g, fdb, set, rd, 5, 5, 1, false).GetErrno(), syscall.EAGAIN)
	wantErrno(t, "b flock", b.lk(g, fdb, set, rd, 0, 0, 0, true).GetErrno(), syscall.EAGAIN)
	il, err = b.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: b.id, Gfid: g, Domain: "afr.data", Cmd: set, Lock: &brickpb.Lock{Type: wr, End: eof, Owner: 9}})
	must(t, err)
	wantErrno(t, "b inodelk", il.GetErrno(), syscall.EAGAIN)
	el, err = b.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: b.id, Parent: d, Domain: "afr.entry", Cmd: set, Type: rd, Owner: 9})
	must(t, err)
	wantErrno(t, "b entrylk on the whole dir", el.GetErrno(), syscall.EAGAIN)
	waiter := make(chan *brickpb.LkReply, 1)
	go func() { waiter <- b.lk(g, fdb, setw, wr, 0, eof, 1, false) }()
	waitFor(t, "waiter blocked", func() bool { return b.blockedOn(locks.Key{Space: locks.Posix, Gfid: mustGfid(t, g)}) })
	a.close() // the client goes away
	select {
	case r := <-waiter:
		wantErrno(t, "waiter granted after disconnect", r.GetErrno(), 0)
	case <-time.After(10 * time.Second):
		t.Fatal("waiter not granted after the holder disconnected")
	}
	wantErrno(t, "b flock", b.lk(g, fdb, set, wr, 0, 0, 0, true).GetErrno(), 0)
	il, err = b.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: b.id, Gfid: g, Domain: "afr.data", Cmd: set, Lock: &brickpb.Lock{Type: wr, End: eof, Owner: 9}})
	must(t, err)
	wantErrno(t, "b inodelk", il.GetErrno(), 0)
	el, err = b.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: b.id, Parent: d, Domain: "afr.entry", Cmd: set, Type: wr, Owner: 9})
	must(t, err)
	wantErrno(t, "b entrylk", el.GetErrno(), 0)
}

func TestFlock(t *testing.T) {
	ts := newTestServer(t)
	a := ts.session()
	g, fd1 := a.create(root, "f")
	fd2 := a.open(g, os.O_RDONLY)
	// flock locks belong to the open file: two fds of one session conflict.
	wantErrno(t, "fd1 exclusive", a.lk(g, fd1, set, wr, 0, 0, 0, true).GetErrno(), 0)
	wantErrno(t, "fd2 shared", a.lk(g, fd2, set, rd, 0, 0, 0, true).GetErrno(), syscall.EAGAIN)
	// flock and POSIX locks do not see each other.
	wantErrno(t, "posix beside flock", a.lk(g, fd2, set, rd, 0, eof, 5, false).GetErrno(), 0)
	// Releasing fd1 releases its flock.
	a.release(fd1)
	wantErrno(t, "fd2 exclusive after release", a.lk(g, fd2, set, wr, 0, 0, 0, true).GetErrno(), 0)
	wantErrno(t, "flock without fd", a.lk(g, 0, set, wr, 0, 0, 0, true).GetErrno(), syscall.EBADF)
}

func TestInodelkEntrylk(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	d := a.mkdir(root, "d")
	inodelk := func(c *client, cmd brickpb.LkCmd, typ brickpb.LockType, domain string) int32 {
		r, err := c.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: c.id, Gfid: d, Domain: domain, Cmd: cmd, Lock: &brickpb.Lock{Type: typ, End: eof, Owner: 1}})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "a data", inodelk(a, set, wr, "afr.data"), 0)
	wantErrno(t, "b metadata: another domain", inodelk(b, set, wr, "afr.metadata"), 0)
	wantErrno(t, "b data", inodelk(b, set, rd, "afr.data"), syscall.EAGAIN)
	wantErrno(t, "no domain", inodelk(b, set, rd, ""), syscall.EINVAL)
	done := make(chan int32, 1)
	go func() { done <- inodelk(b, setw, wr, "afr.data") }()
	waitFor(t, "inodelk waiter", func() bool {
		return b.blockedOn(locks.Key{Space: locks.Inode, Gfid: mustGfid(t, d), Domain: "afr.data"})
	})
	wantErrno(t, "a unlock", inodelk(a, set, un, "afr.data"), 0)
	if e := <-done; e != 0 {
		t.Fatalf("inodelk waiter: %v", syscall.Errno(e))
	}
	entrylk := func(c *client, cmd brickpb.LkCmd, typ brickpb.LockType, name string) int32 {
		r, err := c.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: c.id, Parent: d, Name: []byte(name), Domain: "afr", Cmd: cmd, Type: typ, Owner: 1})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "a x", entrylk(a, set, wr, "x"), 0)
	wantErrno(t, "b y", entrylk(b, set, wr, "y"), 0)
	wantErrno(t, "b x", entrylk(b, set, wr, "x"), syscall.EAGAIN)
	wantErrno(t, "entrylk get", entrylk(b, get, wr, "x"), syscall.EINVAL)
	wantErrno(t, "a unlock x", entrylk(a, set, un, "x"), 0)
	wantErrno(t, "b x after unlock", entrylk(b, set, wr, "x"), 0)
}

func TestSetlkwEndsWithSession(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.session(), ts.session()
	g, fda := a.create(root, "f")
	fdb := b.open(g, os.O_RDWR)
	wantErrno(t, "a locks", a.lk(g, fda, set, wr, 0, eof, 1, false).GetErrno(), 0)
	done := make(chan *brickpb.LkReply, 1)
	go func() { done <- b.lk(g, fdb, setw, wr, 0, eof, 1, false) }()
	key := locks.Key{Space: locks.Posix, Gfid: mustGfid(t, g)}
	waitFor(t, "waiter blocked", func() bool { return b.blockedOn(key) })
	se, _ := ts.srv.lookupSession(b.id)
	b.close() // the session stream ends while the Lk call is still waiting
	select {
	case r := <-done:
		wantErrno(t, "waiter of an ended session", r.GetErrno(), syscall.EINTR)
	case <-time.After(10 * time.Second):
		t.Fatal("waiter of an ended session still blocked")
	}
	if n := se.brick.locks.Count(key); n != 1 {
		t.Fatalf("%d locks held, want a's only", n)
	}
}

// TestUnlockRemovedInode: locks taken on an inode that is removed while
// they are held are still released by their owner (a heal or transaction
// that raced with an unlink must not leave them behind); new locks on the
// removed inode are refused with ESTALE.
func TestUnlockRemovedInode(t *testing.T) {
	ts := newTestServer(t)
	a := ts.session()
	d := a.mkdir(root, "d")
	inodelk := func(typ brickpb.LockType) int32 {
		r, err := a.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: a.id, Gfid: d, Domain: "afr.data", Cmd: set, Lock: &brickpb.Lock{Type: typ, End: eof, Owner: 1}})
		must(t, err)
		return r.GetErrno()
	}
	entrylk := func(typ brickpb.LockType) int32 {
		r, err := a.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: a.id, Parent: d, Name: []byte("x"), Domain: "afr", Cmd: set, Type: typ, Owner: 1})
		must(t, err)
		return r.GetErrno()
	}
	wantErrno(t, "inodelk", inodelk(wr), 0)
	wantErrno(t, "entrylk", entrylk(wr), 0)
	r, err := a.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: a.id, Parent: root, Name: []byte("d")})
	must(t, err)
	wantErrno(t, "rmdir", r.GetErrno(), 0)
	wantErrno(t, "inodelk unlock after rmdir", inodelk(un), 0)
	wantErrno(t, "entrylk unlock after rmdir", entrylk(un), 0)
	se, _ := ts.srv.lookupSession(a.id)
	g := mustGfid(t, d)
	if n := se.brick.locks.Count(locks.Key{Space: locks.Inode, Gfid: g, Domain: "afr.data"}) + se.brick.locks.Count(locks.Key{Space: locks.Entry, Gfid: g, Domain: "afr"}); n != 0 {
		t.Errorf("%d locks left on the removed directory after unlock", n)
	}
	wantErrno(t, "inodelk on the removed directory", inodelk(wr), syscall.ESTALE)
}
