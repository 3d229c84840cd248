package afr

import (
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

// TestCreateOpensFirstWindow: a file created for writing is written
// without a lock or pre-op RPC of its own (the create made them); the
// window still yields to another client at once, and closes clean.
func TestCreateOpensFirstWindow(t *testing.T) {
	c := newCluster(t, 3)
	const delay = 30 * time.Second
	a := c.mount(Options{Name: "s0", PostOpDelay: delay})
	b := c.mount(Options{Name: "s0", PostOpDelay: delay})
	a.create("warm", "") // the mount learns the bricks' ids and the root's health
	a.resetCounts()
	e, fa, err := a.Create(bg, fop.RootGfid, "f", syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fa.Write(bg, []byte("aaaa"), 0); err != nil {
		t.Fatal(err)
	}
	for i, n := range a.counts(faulty.OpInodelk, faulty.OpXattrop) {
		if n != 0 {
			t.Errorf("brick %d: %d inodelk and xattrop RPCs for a create and its first write, want 0 (inodelk %v)", i, n, a.counts(faulty.OpInodelk))
		}
	}
	c.waitAccuses([]int{0, 1, 2}, "f", Data, 0, 1, 2) // the pre-op mark, held by the window

	// Another client's write gets the lock long before the post-op delay.
	fb, err := b.Open(bg, e.Gfid, syscall.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := fb.Write(bg, []byte("bb"), 0); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the second writer waited %v for the first window (post-op delay %v)", took, delay)
	}
	if err := fb.Release(bg); err != nil {
		t.Fatal(err)
	}
	if err := fa.Release(bg); err != nil {
		t.Fatal(err)
	}
	c.waitAccuses([]int{0, 1, 2}, "f", Data)
	for i := range 3 {
		if data, _ := c.onDisk(i, "f"); data != "bbaa" {
			t.Fatalf("brick %d holds %q, want bbaa", i, data)
		}
	}
}

// TestCreateExistingNoWindow: a create without O_EXCL of a file that
// exists opens it without a window: the write takes the lock itself.
func TestCreateExistingNoWindow(t *testing.T) {
	c := newCluster(t, 3)
	a := c.mount(Options{Name: "s0"})
	a.create("f", "old")
	a.resetCounts()
	_, f, err := a.Create(bg, fop.RootGfid, "f", syscall.O_WRONLY, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bg, []byte("new"), 0); err != nil {
		t.Fatal(err)
	}
	for i, n := range a.counts(faulty.OpInodelk) {
		if n != 1 {
			t.Errorf("brick %d: %d inodelk RPCs for a write to an existing file, want 1 (its own lock)", i, n)
		}
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	c.waitAccuses([]int{0, 1, 2}, "f", Data)
}
