package afr

import (
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestRenameOfStaleNameAccuses: a brick that missed a rename-over still
// has the old inode under the name. Renaming that name on into another
// directory succeeds on every brick, each moving its own inode; the
// stale brick must be accused on the new parent too, or the divergence
// would land in a directory no counter marks (and heal would never
// visit it).
func TestRenameOfStaleNameAccuses(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	d, err := r.Mkdir(bg, fop.RootGfid, "d", newInode(0o755))
	if err != nil {
		t.Fatal(err)
	}
	old := r.create("a", "old")
	r.down(2)
	b := r.create("b", "new")
	if err := r.Rename(bg, fop.RootGfid, "b", fop.RootGfid, "a", 0); err != nil {
		t.Fatal(err)
	}
	r.up(2)
	if g, err := c.gfidOf(2, "a"); err != nil || g != old.Gfid {
		t.Fatalf("brick 2's a: %v, %v; want the old inode %v", g, err, old.Gfid)
	}
	if err := r.Rename(bg, fop.RootGfid, "a", d.Gfid, "t", 0); err != nil {
		t.Fatalf("rename of the stale name: %v", err)
	}
	r.settle()
	for i := range 2 {
		if g, err := c.gfidOf(i, "d/t"); err != nil || g != b.Gfid {
			t.Fatalf("brick %d's d/t: %v, %v; want %v", i, g, err, b.Gfid)
		}
		if !c.accuses(i, "d", Entry, 2) {
			t.Fatalf("brick %d does not accuse brick 2 on d, where brick 2 renamed the stale inode: %v", i, c.pending(i, "d"))
		}
	}
	if got, err := r.readAll(b.Gfid); err != nil || got != "new" {
		t.Fatalf("read d/t: %q, %v", got, err)
	}
}
