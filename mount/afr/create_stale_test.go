package afr

import (
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// openCreate creates or opens name in the root without O_EXCL, writes
// data through the set and releases it.
func (r *replica) openCreate(name, data string) (fop.Entry, error) {
	r.c.t.Helper()
	e, f, err := r.Create(bg, fop.RootGfid, name, syscall.O_RDWR, newInode(0o644))
	if err != nil {
		return fop.Entry{}, err
	}
	if _, err := f.Write(bg, []byte(data), 0); err != nil {
		r.c.t.Fatalf("write %s: %v", name, err)
	}
	if err := f.Release(bg); err != nil {
		r.c.t.Fatal(err)
	}
	return e, nil
}

// TestCreateOverStaleNameAccuses: a create without O_EXCL of a name that
// only one brick still has (it missed the unlink) makes the file on the
// others and succeeds. The brick that opened its stale inode is accused
// on the parent, and the data goes to the new inode only.
func TestCreateOverStaleNameAccuses(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	old := r.create("a", "old")
	r.down(2)
	if err := r.Unlink(bg, fop.RootGfid, "a"); err != nil {
		t.Fatal(err)
	}
	r.up(2)
	r.settle()
	e, err := r.openCreate("a", "new")
	if err != nil {
		t.Fatalf("create over a name only brick 2 still has: %v", err)
	}
	if e.Gfid == old.Gfid {
		t.Fatalf("the create opened the stale inode %v", old.Gfid)
	}
	r.settle()
	for i := range 2 {
		if g, err := c.gfidOf(i, "a"); err != nil || g != e.Gfid {
			t.Fatalf("brick %d's a: %v, %v; want the new inode %v", i, g, err, e.Gfid)
		}
		if got, err := c.onDisk(i, "a"); err != nil || got != "new" {
			t.Fatalf("brick %d's a holds %q, %v", i, got, err)
		}
		if !c.accuses(i, "", Entry, 2) {
			t.Fatalf("brick %d does not accuse brick 2 on the root: %v", i, c.pending(i, ""))
		}
	}
	if got, err := c.onDisk(2, "a"); err != nil || got != "old" {
		t.Fatalf("brick 2's stale a holds %q, %v: the create wrote to it", got, err)
	}
}

// TestCreateOpensWhatMostBricksHave: a create without O_EXCL of a name
// that one brick lacks (it missed the create) opens the file the others
// have. The brick that made a new file instead is accused on the parent,
// and its new file gets none of the data.
func TestCreateOpensWhatMostBricksHave(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	r.down(2)
	y := r.create("y", "first")
	r.up(2)
	r.settle()
	e, err := r.openCreate("y", "again")
	if err != nil {
		t.Fatalf("create of a name brick 2 lacks: %v", err)
	}
	if e.Gfid != y.Gfid {
		t.Fatalf("the create reached %v, not the file most bricks have, %v", e.Gfid, y.Gfid)
	}
	r.settle()
	for i := range 2 {
		if got, err := c.onDisk(i, "y"); err != nil || got != "again" {
			t.Fatalf("brick %d's y holds %q, %v", i, got, err)
		}
		if !c.accuses(i, "", Entry, 2) {
			t.Fatalf("brick %d does not accuse brick 2 on the root: %v", i, c.pending(i, ""))
		}
	}
	if got, _ := c.onDisk(2, "y"); got != "" {
		t.Fatalf("brick 2's y holds %q: the create wrote to the file it made", got)
	}
	if got, err := r.readAll(y.Gfid); err != nil || got != "again" {
		t.Fatalf("read y: %q, %v", got, err)
	}
}
