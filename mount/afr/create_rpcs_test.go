package afr

import (
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

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
