package client

import (
	"errors"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestFlushDropsLocksTakenThroughAnotherFd: close(2) of any descriptor of
// an inode drops the process's POSIX locks on it (POSIX), also when the
// lock was taken through another open file — the client must not skip
// that flush — while a flush on an inode this client never locked does
// not need the brick.
func TestFlushDropsLocksTakenThroughAnotherFd(t *testing.T) {
	s := startBrickServer(t)
	a := newTestBrick(t, s.addr, Options{})
	b := newTestBrick(t, s.addr, Options{})
	fa, fb := openTwice(t, a, b, "f")
	e, err := a.Lookup(bg, fop.RootGfid, "f")
	if err != nil {
		t.Fatal(err)
	}
	fa2, err := a.Open(bg, e.Gfid, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fa2.Release(bg) })
	lk := fop.Lock{Type: fop.LockWrite, End: fop.LockToEOF, Pid: 1, Owner: 7}
	if err := fa.Setlk(bg, lk, false); err != nil {
		t.Fatal(err)
	}
	other := lk
	other.Owner, other.Pid = 8, 2
	if err := fb.Setlk(bg, other, false); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("lock held by another client: %v, want EAGAIN", err)
	}
	if err := fa2.Flush(bg, 7); err != nil {
		t.Fatal(err)
	}
	if err := fb.Setlk(bg, other, false); err != nil {
		t.Fatalf("lock after the owner closed another fd of the inode: %v, want it granted", err)
	}
	// b never locked g2: its flush is answered without the brick.
	e2, f2, err := b.Create(bg, fop.RootGfid, "g", syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Release(bg)
	b.mu.Lock()
	gen := b.gen
	b.mu.Unlock()
	if b.posix.has(gen, e2.Gfid) {
		t.Error("an inode never locked is recorded as locked")
	}
	if err := f2.Flush(bg, 8); err != nil {
		t.Fatal(err)
	}
}
