package afr

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

// TestCreateFusesEntryLock: with every brick up, a create takes its
// entry lock in the create itself: it succeeds while every Entrylk RPC
// fails, and the file is on every brick with one gfid.
func TestCreateFusesEntryLock(t *testing.T) {
	c := newCluster(t, 3)
	a := c.mount(Options{Name: "s0"})
	a.create("warm", "")
	a.settle()
	for _, f := range a.f {
		f.Inject(faulty.Rule{Ops: []string{faulty.OpEntrylk}, Err: syscall.EIO})
	}
	in := newInode(0o644)
	_, f, err := a.Create(bg, fop.RootGfid, "f", syscall.O_RDWR|syscall.O_EXCL, in)
	if err != nil {
		t.Fatalf("create with every Entrylk failing: %v (the lock was not taken by the create)", err)
	}
	_ = f.Release(bg)
	a.settle()
	for i := range 3 {
		if g, err := c.gfidOf(i, "f"); err != nil || g != in.Gfid {
			t.Fatalf("brick %d: f has gfid %v, %v; want %v", i, g, err, in.Gfid)
		}
	}
}

// TestCreateFusedLockBusy: a create that finds its entry lock held on
// one brick takes back what it made on the others, then waits for the
// lock the usual way and makes the file everywhere once it is free, with
// nothing left accused.
func TestCreateFusedLockBusy(t *testing.T) {
	c := newCluster(t, 3)
	a := c.mount(Options{Name: "s0"})
	holder := c.mount(Options{Name: "s0"})
	a.create("warm", "")
	a.settle()
	const owner = 77
	if err := holder.kids[1].Entrylk(bg, fop.RootGfid, "g", EntryDomain, fop.LkSet, fop.LockWrite, owner); err != nil {
		t.Fatal(err)
	}
	a.resetCounts()
	in := newInode(0o644)
	done := make(chan error, 1)
	go func() {
		_, f, err := a.Create(bg, fop.RootGfid, "g", syscall.O_RDWR|syscall.O_EXCL, in)
		if err == nil {
			err = f.Release(bg)
		}
		done <- err
	}()
	// The fallback's waiting lock on brick 1 is its second Entrylk there
	// (the first is lockAll's try).
	waitFor(t, "the create waiting for brick 1's lock", func() bool { return a.f[1].Count(faulty.OpEntrylk) >= 2 })
	for _, i := range []int{0, 2} {
		if _, err := os.Lstat(c.path(i, "g")); !os.IsNotExist(err) {
			t.Fatalf("brick %d still has the create that met a busy lock, while it waits: %v", i, err)
		}
		// The fused attempt made the file there, and took it back.
		if nc, nu := a.f[i].Count(faulty.OpCreate), a.f[i].Count(faulty.OpUnlink); nc != 1 || nu != 1 {
			t.Fatalf("brick %d while the create waits: %d creates, %d unlinks; want the fused create and its undo", i, nc, nu)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("the create returned while another held the lock: %v", err)
	default:
	}
	if err := holder.kids[1].Entrylk(bg, fop.RootGfid, "g", EntryDomain, fop.LkSet, fop.LockUnlock, owner); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("create after the lock was freed: %v", err)
	}
	a.settle()
	for i := range 3 {
		if g, err := c.gfidOf(i, "g"); err != nil || g != in.Gfid {
			t.Fatalf("brick %d: g has gfid %v, %v; want %v", i, g, err, in.Gfid)
		}
		if !c.accuses(i, "", Entry) || !c.accuses(i, "g", Data) {
			t.Fatalf("brick %d accuses someone: root %v, g %v", i, c.pending(i, ""), c.pending(i, "g"))
		}
	}
}

// TestCreateEntryUnlockIsCarried: the end of a create's transaction
// releases its entry lock with the bricks' next calls (carried
// requests), not in calls of its own: with a carry delay no test
// outlives, another client finds the name still locked on every brick
// once the background work is done (and the client made no call since),
// and free once the queues went.
func TestCreateEntryUnlockIsCarried(t *testing.T) {
	c := newCluster(t, 3)
	holder := c.mount(Options{Name: "s0"})
	c.carryDelay = time.Hour
	a := c.mount(Options{Name: "s0"})
	a.create("warm", "")
	a.settle()
	_, f, err := a.Create(bg, fop.RootGfid, "f", syscall.O_RDWR|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	a.bg.wait() // the transaction's end: the unlocks queued, no call since
	const owner = 77
	for i, k := range holder.kids {
		err := k.Entrylk(bg, fop.RootGfid, "f", EntryDomain, fop.LkSet, fop.LockWrite, owner)
		if !errors.Is(err, syscall.EAGAIN) {
			t.Fatalf("brick %d: the create's entry lock, before its unlock was carried: %v; want EAGAIN", i, err)
		}
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	a.settle()
	for i, k := range holder.kids {
		if err := k.Entrylk(bg, fop.RootGfid, "f", EntryDomain, fop.LkSet, fop.LockWrite, owner); err != nil {
			t.Fatalf("brick %d: the create's entry lock after the queues went: %v", i, err)
		}
	}
}
