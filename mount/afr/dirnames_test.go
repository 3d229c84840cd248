package afr

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

// TestKnownDirs: the names of a directory made here are known until
// something makes the set forget them.
func TestKnownDirs(t *testing.T) {
	k := newKnownDirs()
	d, other := fop.NewGfid(), fop.NewGfid()
	if k.absent(d, "x") {
		t.Fatal("a directory not made here: absent")
	}
	k.made(d)
	if !k.absent(d, "x") {
		t.Fatal("an empty directory made here: x not absent")
	}
	for _, bad := range []string{strings.Repeat("n", 256), "a/b", "a\x00b", ".", "..", ""} {
		if k.absent(d, bad) {
			t.Errorf("a name no brick takes (%.20q) is absent: the bricks must answer it", bad)
		}
	}
	k.added(d, "x")
	k.added(other, "y") // not known: nothing
	if k.absent(d, "x") || k.absent(other, "y") {
		t.Fatal("a name added is absent")
	}
	k.removed(d, "x")
	if !k.absent(d, "x") || k.names != 0 {
		t.Fatalf("a name removed: absent %v, names %d", k.absent(d, "x"), k.names)
	}
	k.added(d, "z")
	k.forget(d)
	if k.absent(d, "q") || k.names != 0 {
		t.Fatalf("forgotten: absent %v, names %d", k.absent(d, "q"), k.names)
	}
	k.made(d)
	k.clear()
	if k.absent(d, "q") {
		t.Fatal("cleared: still known")
	}
}

// TestKnownDirsFull: a full table (directories made and long removed
// stay in it) makes room for the next directory made, so that a mount
// that made knownDirsMax directories over its life still answers
// lookups in a new one; the names count stays true.
func TestKnownDirsFull(t *testing.T) {
	k := newKnownDirs()
	for range knownDirsMax {
		g := fop.NewGfid()
		k.made(g)
		k.added(g, "a")
	}
	d := fop.NewGfid()
	k.made(d)
	if !k.absent(d, "x") {
		t.Fatal("a directory made when the table was full is not known")
	}
	if len(k.m) != knownDirsMax || k.names != knownDirsMax-1 {
		t.Fatalf("%d directories and %d names known; want %d and %d", len(k.m), k.names, knownDirsMax, knownDirsMax-1)
	}
}

// TestLookupInDirMadeHere: a lookup of a name in a directory this set
// made and changed alone costs no RPC; one after another client's change
// there, or in a directory made with a brick down, asks the bricks.
func TestLookupInDirMadeHere(t *testing.T) {
	c := newCluster(t, 3)
	a := c.mount(Options{Name: "s0"})
	b := c.mount(Options{Name: "s0"})
	d, err := a.Mkdir(bg, fop.RootGfid, "d", newInode(syscall.S_IFDIR|0o755))
	if err != nil {
		t.Fatal(err)
	}
	lookups := func(what string, want int) {
		t.Helper()
		n := a.counts(faulty.OpLookup)
		if got := n[0] + n[1] + n[2]; got != want {
			t.Errorf("%s: %d lookup RPCs, want %d", what, got, want)
		}
		a.resetCounts()
	}
	a.resetCounts()
	if _, err := a.Lookup(bg, d.Gfid, "x"); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("lookup in an empty directory made here: %v, want ENOENT", err)
	}
	lookups("a name in an empty directory made here", 0)
	_, f, err := a.Create(bg, d.Gfid, "x", syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Release(bg)
	if _, err := a.Lookup(bg, d.Gfid, "x"); err != nil {
		t.Fatalf("lookup of a file made here: %v", err)
	}
	lookups("a file made here", 3)
	if err := a.Rename(bg, d.Gfid, "x", d.Gfid, "x2", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lookup(bg, d.Gfid, "x"); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("lookup of a name renamed away: %v", err)
	}
	lookups("a name renamed away", 0)
	if _, err := a.Lookup(bg, d.Gfid, "x2"); err != nil {
		t.Fatalf("lookup of the new name: %v", err)
	}
	a.resetCounts()

	// Another client makes a name: the notification makes a forget.
	_, fb, err := b.Create(bg, d.Gfid, "y", syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	_ = fb.Release(bg)
	waitFor(t, "the other client's create noticed", func() bool { return !a.known.absent(d.Gfid, "y") })
	if _, err := a.Lookup(bg, d.Gfid, "y"); err != nil {
		t.Fatalf("lookup of another client's file: %v", err)
	}
	a.resetCounts()
	if _, err := a.Lookup(bg, d.Gfid, "nope"); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("lookup of a missing name: %v", err)
	}
	lookups("a missing name after another client's change", 3)

	// A directory made with a brick down is not known.
	a.down(2)
	e, err := a.Mkdir(bg, fop.RootGfid, "e", newInode(syscall.S_IFDIR|0o755))
	if err != nil {
		t.Fatal(err)
	}
	a.resetCounts()
	if _, err := a.Lookup(bg, e.Gfid, "x"); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("lookup in a directory made with a brick down: %v", err)
	}
	lookups("a name in a directory made with a brick down", 2)
}
