package afr

import (
	"errors"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

// TestCreateLetsGoOfEntryLock: a create that succeeds everywhere costs
// one entrylk RPC per brick (the brick releases the lock with the
// create), and the name is free for another client at once; a create
// that fails keeps the lock until the set's own unlock, which follows.
func TestCreateLetsGoOfEntryLock(t *testing.T) {
	c := newCluster(t, 3)
	a := c.mount(Options{Name: "s0"})
	b := c.mount(Options{Name: "s0"})
	a.create("warm", "")
	a.resetCounts()
	e, f, err := a.Create(bg, fop.RootGfid, "f", syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	a.settle()
	for i, n := range a.counts(faulty.OpEntrylk) {
		if n != 1 {
			t.Errorf("brick %d: %d entrylk RPCs for a create, want 1 (the lock; the unlock rides on the create)", i, n)
		}
	}
	freeName := func(what string) {
		t.Helper()
		for i, k := range b.kids {
			if err := k.Entrylk(bg, fop.RootGfid, "f", EntryDomain, fop.LkSet, fop.LockWrite, 99); err != nil {
				t.Fatalf("%s: brick %d: another client cannot take the entry lock: %v", what, i, err)
			}
			if err := k.Entrylk(bg, fop.RootGfid, "f", EntryDomain, fop.LkSet, fop.LockUnlock, 99); err != nil {
				t.Fatal(err)
			}
		}
	}
	freeName("after a create")

	a.resetCounts()
	if _, _, err := a.Create(bg, fop.RootGfid, "f", syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644)); !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("O_EXCL create of an existing name: %v, want EEXIST", err)
	}
	a.settle()
	for i, n := range a.counts(faulty.OpEntrylk) {
		if n != 2 {
			t.Errorf("brick %d: %d entrylk RPCs for a failed create, want 2 (lock, unlock)", i, n)
		}
	}
	freeName("after a failed create")
	if got, err := a.Lookup(bg, fop.RootGfid, "f"); err != nil || got.Gfid != e.Gfid {
		t.Fatalf("lookup after the failed create: %v, %v (want gfid %v)", got.Gfid, err, e.Gfid)
	}
}

// TestCreateAnswersParentGetattr: the getattr of the parent that follows
// a create is answered with the attributes the brick reported, no RPC,
// and they are the directory's attributes on the brick the set reads;
// after any other change of the directory, a getattr asks a brick again.
func TestCreateAnswersParentGetattr(t *testing.T) {
	c := newCluster(t, 3)
	a := c.mount(Options{Name: "s0"})
	a.create("warm", "")
	if _, err := a.Getattr(bg, fop.RootGfid); err != nil {
		t.Fatal(err)
	}
	a.resetCounts()
	a.create("f", "")
	got, err := a.Getattr(bg, fop.RootGfid)
	if err != nil {
		t.Fatal(err)
	}
	if n := a.counts(faulty.OpGetattr); n[0]+n[1]+n[2] != 0 {
		t.Errorf("getattr of the parent after a create made %v getattr RPCs, want none", n)
	}
	// What a brick says now: the same attributes, on the brick the set
	// reads the root from (every brick made the file just now).
	want, err := a.Set.Getattr(bg, fop.RootGfid)
	if err != nil {
		t.Fatal(err)
	}
	if n := a.counts(faulty.OpGetattr); n[0]+n[1]+n[2] != 1 {
		t.Errorf("a second getattr made %v getattr RPCs, want 1: the kept answer is used once", n)
	}
	if got.Mtime != want.Mtime || got.Ctime != want.Ctime || got.Nlink != want.Nlink || got.Mode != want.Mode {
		t.Errorf("kept parent attributes %+v, the brick's %+v", got.Attr, want.Attr)
	}

	// An unlink in the directory: nothing kept survives it.
	a.create("g", "")
	if err := a.Unlink(bg, fop.RootGfid, "g"); err != nil {
		t.Fatal(err)
	}
	a.resetCounts()
	after, err := a.Getattr(bg, fop.RootGfid)
	if err != nil {
		t.Fatal(err)
	}
	if n := a.counts(faulty.OpGetattr); n[0]+n[1]+n[2] != 1 {
		t.Errorf("getattr after an unlink made %v getattr RPCs, want 1", n)
	}
	if !before(want.Ctime, after.Ctime) {
		t.Errorf("directory ctime after the unlink %v, not after %v", after.Ctime, want.Ctime)
	}
}
