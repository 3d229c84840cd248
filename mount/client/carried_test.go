package client

import (
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// never is a CarryDelay no test outlives: what is carried then can only
// have gone with another call.
const never = time.Hour

// carriedPair is a brick client a that carries (PingInterval off, so
// that no ping carries anything) and another client b of the same
// brick, with a regular file made by a.
func carriedPair(t *testing.T, delay time.Duration) (s *brickServer, a, b *Brick, f fop.Entry, fa fop.File) {
	s = startBrickServer(t)
	a = newTestBrick(t, s.addr, Options{CarryDelay: delay, PingInterval: -1})
	b = newTestBrick(t, s.addr, Options{})
	f, fa, err := a.Create(bg, fop.RootGfid, "f", syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	return s, a, b, f, fa
}

func tryEntry(b *Brick, name string) error {
	err := b.Entrylk(bg, fop.RootGfid, name, "afr", fop.LkSet, fop.LockWrite, 9)
	if err == nil {
		_ = b.Entrylk(bg, fop.RootGfid, name, "afr", fop.LkSet, fop.LockUnlock, 9)
	}
	return err
}

func tryInode(b *Brick, g fop.Gfid) error {
	lk := fop.Lock{Type: fop.LockWrite, End: fop.LockToEOF, Owner: 9}
	err := b.Inodelk(bg, g, "afr.data", fop.LkSet, lk)
	if err == nil {
		lk.Type = fop.LockUnlock
		_ = b.Inodelk(bg, g, "afr.data", fop.LkSet, lk)
	}
	return err
}

// TestCarriedUnlockAndReleaseRideOnTheNextCall: an entry unlock and a
// release ending a window wait in the queue (the lock stays held) until
// the client's next call, a getattr, carries them.
func TestCarriedUnlockAndReleaseRideOnTheNextCall(t *testing.T) {
	_, a, b, f, fa := carriedPair(t, never)
	if err := a.Entrylk(bg, fop.RootGfid, "x", "afr", fop.LkSet, fop.LockWrite, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.Inodelk(bg, f.Gfid, "afr.data", fop.LkSet, fop.Lock{Type: fop.LockWrite, End: fop.LockToEOF, Owner: 2}); err != nil {
		t.Fatal(err)
	}
	if err := a.EntryUnlockLater(bg, fop.RootGfid, "x", "afr", 1); err != nil {
		t.Fatal(err)
	}
	if err := fa.(fop.EndingReleaser).ReleaseEnding(bg, fop.WindowEnd{Domain: "afr.data", Owner: 2}); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, tryEntry(b, "x"), syscall.EAGAIN)
	wantErrno(t, tryInode(b, f.Gfid), syscall.EAGAIN)
	if _, err := a.Getattr(bg, fop.RootGfid); err != nil {
		t.Fatal(err)
	}
	if err := tryEntry(b, "x"); err != nil {
		t.Fatalf("entry lock after the call that carried its unlock: %v", err)
	}
	if err := tryInode(b, f.Gfid); err != nil {
		t.Fatalf("inode lock after the call that carried the release: %v", err)
	}
}

// TestCarriedSentAloneAfterTheDelay: with no other call, the queue goes
// on its own after the delay.
func TestCarriedSentAloneAfterTheDelay(t *testing.T) {
	_, a, b, _, _ := carriedPair(t, time.Second)
	if err := a.Entrylk(bg, fop.RootGfid, "x", "afr", fop.LkSet, fop.LockWrite, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.EntryUnlockLater(bg, fop.RootGfid, "x", "afr", 1); err != nil {
		t.Fatal(err)
	}
	if n := a.carried.queued.Load(); n != 1 {
		t.Fatalf("%d requests queued after EntryUnlockLater; want 1 (it was sent at once)", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tryEntry(b, "x") != nil {
		if time.Now().After(deadline) {
			t.Fatal("the carried unlock was never sent")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// windowWithPostOp opens a window on f through a: the lock, and a pre-op
// mark that the release's post-op takes back.
func windowWithPostOp(t *testing.T, a *Brick, f fop.Entry, fa fop.File) {
	t.Helper()
	if err := a.Inodelk(bg, f.Gfid, "afr.data", fop.LkSet, fop.Lock{Type: fop.LockWrite, End: fop.LockToEOF, Owner: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Xattrop(bg, f.Gfid, []fop.PendingDelta{{BrickID: a.ID(), Data: 1}}); err != nil {
		t.Fatal(err)
	}
	end := fop.WindowEnd{Domain: "afr.data", Owner: 2, PostOp: []fop.PendingDelta{{BrickID: a.ID(), Data: -1}}}
	if err := fa.(fop.EndingReleaser).ReleaseEnding(bg, end); err != nil {
		t.Fatal(err)
	}
}

// dataMark is f's data counter for the brick, as b reads it.
func dataMark(t *testing.T, b *Brick, g fop.Gfid) uint32 {
	t.Helper()
	ps, err := b.Xattrop(bg, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.BrickID == b.ID() {
			return p.Data
		}
	}
	return 0
}

// TestCloseSendsCarried: Close sends the queue before the session ends,
// so the release's post-op is not lost with it.
func TestCloseSendsCarried(t *testing.T) {
	_, a, b, f, fa := carriedPair(t, never)
	windowWithPostOp(t, a, f, fa)
	if m := dataMark(t, b, f.Gfid); m != 1 {
		t.Fatalf("mark %d before the carried release went; want 1", m)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if m := dataMark(t, b, f.Gfid); m != 0 {
		t.Fatalf("mark %d after Close; want 0 (the post-op lost)", m)
	}
}

// TestCarriedPostOpOutlivesItsSession: the session ends before the
// queued release went; its fd and lock ended with it, and its post-op
// is made on the next session.
func TestCarriedPostOpOutlivesItsSession(t *testing.T) {
	s, a, b, f, fa := carriedPair(t, never)
	windowWithPostOp(t, a, f, fa)
	s.stop()
	s.start()
	waitGen(t, a, 2)
	waitGen(t, b, 2)
	a.SendCarried(bg)
	if m := dataMark(t, b, f.Gfid); m != 0 {
		t.Fatalf("mark %d after the session ended and the queue went; want 0", m)
	}
	if err := tryInode(b, f.Gfid); err != nil {
		t.Fatalf("the lock of the ended session: %v", err)
	}
}
