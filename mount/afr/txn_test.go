package afr

import (
	"bytes"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

// TestEveryOpOnEveryBrick: every kind of operation reaches all three
// bricks, with one gfid, and leaves every counter at zero.
func TestEveryOpOnEveryBrick(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	d, err := r.Mkdir(bg, fop.RootGfid, "d", newInode(0o755))
	if err != nil {
		t.Fatal(err)
	}
	e, f, err := r.Create(bg, d.Gfid, "f", syscall.O_RDWR|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bg, []byte("hello"), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Fallocate(bg, 0, 0, 4096); err != nil {
		t.Fatal(err)
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Setattr(bg, e.Gfid, fop.SetattrIn{Valid: fop.SetMode | fop.SetSize, Mode: 0o600, Size: 5}); err != nil {
		t.Fatal(err)
	}
	if err := r.Setxattr(bg, e.Gfid, "user.k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Setxattr(bg, e.Gfid, "user.gone", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Removexattr(bg, e.Gfid, "user.gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Mknod(bg, d.Gfid, "fifo", newInode(syscall.S_IFIFO|0o644)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Symlink(bg, d.Gfid, "sym", "f", newInode(0o777)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Link(bg, e.Gfid, fop.RootGfid, "hard"); err != nil {
		t.Fatal(err)
	}
	if err := r.Rename(bg, fop.RootGfid, "hard", d.Gfid, "moved", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Mkdir(bg, d.Gfid, "sub", newInode(0o700)); err != nil {
		t.Fatal(err)
	}
	if err := r.Rmdir(bg, d.Gfid, "sub"); err != nil {
		t.Fatal(err)
	}
	if err := r.Unlink(bg, d.Gfid, "fifo"); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"d", "d/f", "d/sym", "d/moved"} {
		g0, err := c.gfidOf(0, rel)
		if err != nil {
			t.Fatalf("%s on brick 0: %v", rel, err)
		}
		for i := 1; i < 3; i++ {
			if g, err := c.gfidOf(i, rel); err != nil || g != g0 {
				t.Fatalf("%s on brick %d: gfid %v (%v), brick 0 has %v", rel, i, g, err, g0)
			}
		}
	}
	for i := range 3 {
		data, err := c.onDisk(i, "d/f")
		st, _ := os.Stat(c.path(i, "d/f"))
		if err != nil || data != "hello" || st.Mode().Perm() != 0o600 {
			t.Fatalf("brick %d holds %q mode %v (%v)", i, data, st.Mode(), err)
		}
		for _, gone := range []string{"hard", "d/fifo", "d/sub"} {
			if _, err := os.Lstat(c.path(i, gone)); !os.IsNotExist(err) {
				t.Fatalf("brick %d still has %s", i, gone)
			}
		}
	}
	c.waitAccuses([]int{0, 1, 2}, "", Entry)
	c.waitAccuses([]int{0, 1, 2}, "d", Entry)
	c.waitAccuses([]int{0, 1, 2}, "d/f", Data)
	c.waitAccuses([]int{0, 1, 2}, "d/f", Metadata)
	got, err := r.Getxattr(bg, e.Gfid, "user.k")
	if err != nil || !bytes.Equal(got, []byte("v")) {
		t.Fatalf("getxattr %q, %v", got, err)
	}
}

// TestBrickDownIsAccused: with one brick of three down, every operation
// succeeds on the other two, and their counters accuse the missing one.
func TestBrickDownIsAccused(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	old := r.create("old", "x")
	r.down(2)
	e := r.create("f", "data")
	if _, err := r.Mkdir(bg, fop.RootGfid, "d", newInode(0o755)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Setattr(bg, old.Gfid, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	f, err := r.Open(bg, old.Gfid, syscall.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bg, []byte("y"), 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	c.waitAccuses([]int{0, 1}, "", Entry, 2)
	c.waitAccuses([]int{0, 1}, "f", Data, 2)
	c.waitAccuses([]int{0, 1}, "old", Data, 2)
	c.waitAccuses([]int{0, 1}, "old", Metadata, 2)
	if _, err := os.Lstat(c.path(2, "f")); !os.IsNotExist(err) {
		t.Fatalf("the down brick has f: %v", err)
	}
	if got, err := r.readAll(e.Gfid); err != nil || got != "data" {
		t.Fatalf("read %q, %v", got, err)
	}
	// Back up: reads of the file it missed never go to it.
	r.up(2)
	r.f[0].SetDown(true) // one good copy left, and quorum still (1 and 2)
	defer r.f[0].SetDown(false)
	if got, err := r.readAll(old.Gfid); err != nil || got != "xy" {
		t.Fatalf("read after the return of the stale brick: %q, %v", got, err)
	}
	if n := r.f[2].Count(faulty.OpRead); n != 0 {
		t.Fatalf("%d reads went to the stale brick", n)
	}
}

// TestQuorumLost: with two bricks of three down, changes fail with EROFS
// and nothing at all is sent to the remaining brick; reads are refused
// (ENOTCONN) unless stale reads are allowed.
func TestQuorumLost(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	e := r.create("f", "data")
	f, err := r.Open(bg, e.Gfid, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	stale := c.mount(Options{Name: "s0", StaleReads: true})
	r.down(1)
	r.down(2)
	waitFor(t, "the stale-reads client sees two bricks down", func() bool {
		return !stale.bricks[1].Connected() && !stale.bricks[2].Connected()
	})
	r.resetCounts()
	_, _, err = r.Create(bg, fop.RootGfid, "new", syscall.O_RDWR|syscall.O_EXCL, newInode(0o644))
	wantErrno(t, err, syscall.EROFS)
	_, err = r.Mkdir(bg, fop.RootGfid, "dir", newInode(0o755))
	wantErrno(t, err, syscall.EROFS)
	_, err = f.Write(bg, []byte("lost"), 0)
	wantErrno(t, err, syscall.EROFS)
	_, err = r.Setattr(bg, e.Gfid, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o600})
	wantErrno(t, err, syscall.EROFS)
	wantErrno(t, r.Unlink(bg, fop.RootGfid, "f"), syscall.EROFS)
	if n := r.f[0].Total(); n != 0 {
		t.Fatalf("%d operations reached the minority brick", n)
	}
	if data, err := c.onDisk(0, "f"); err != nil || data != "data" {
		t.Fatalf("brick 0 holds %q, %v", data, err)
	}
	if _, err := os.Lstat(c.path(0, "new")); !os.IsNotExist(err) {
		t.Fatal("a create reached the minority brick")
	}
	_, err = r.Lookup(bg, fop.RootGfid, "f")
	wantErrno(t, err, syscall.ENOTCONN)
	_, err = f.Read(bg, make([]byte, 10), 0)
	wantErrno(t, err, syscall.ENOTCONN)
	se, err := stale.Lookup(bg, fop.RootGfid, "f")
	if err != nil {
		t.Fatalf("stale lookup: %v", err)
	}
	if got, err := stale.readAll(se.Gfid); err != nil || got != "data" {
		t.Fatalf("stale read %q, %v", got, err)
	}
	// Quorum back: service resumes.
	r.up(1)
	if _, err := f.Write(bg, []byte("more"), 4); err != nil {
		t.Fatalf("write after quorum returned: %v", err)
	}
}

// TestOptimisticEntryChangelog: with every brick up, an entry operation
// makes no pre-op: a failure alike everywhere leaves the parent
// untouched, and a failure on one brick accuses it.
func TestOptimisticEntryChangelog(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	if _, err := r.Mkdir(bg, fop.RootGfid, "d", newInode(0o755)); err != nil {
		t.Fatal(err)
	}
	r.resetCounts()
	_, err := r.Mkdir(bg, fop.RootGfid, "d", newInode(0o755))
	wantErrno(t, err, syscall.EEXIST)
	r.settle()
	if n := r.counts(faulty.OpXattrop); n[0]+n[1]+n[2] != 0 {
		t.Fatalf("a failed mkdir made %v changelog RPCs", n)
	}
	r.f[1].Inject(faulty.Rule{Ops: []string{faulty.OpMkdir}, Times: 1, Err: faulty.Errno(syscall.EIO)})
	if _, err := r.Mkdir(bg, fop.RootGfid, "e", newInode(0o755)); err != nil {
		t.Fatalf("mkdir failing on one brick: %v", err)
	}
	c.waitAccuses([]int{0, 1, 2}, "", Entry, 1)
}

// TestFrozenBrick: a brick that stops answering (its network black-holed)
// holds the application up for a few seconds at most: the client's
// heartbeat drops it, the write succeeds on the other two, and the frozen
// brick is accused.
func TestFrozenBrick(t *testing.T) {
	c := newCluster(t, 3)
	fz := newFreezer(t, c.servers[2].addr)
	r := c.mountVia(Options{Name: "s0"}, map[int]string{2: fz.addr()})
	e := r.create("f", "")
	f, err := r.Open(bg, e.Gfid, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	if _, err := f.Write(bg, []byte("before"), 0); err != nil {
		t.Fatal(err)
	}
	fz.freeze()
	start := time.Now()
	if _, err := f.Write(bg, []byte("during"), 6); err != nil {
		t.Fatalf("write with a frozen brick: %v", err)
	}
	if _, err := r.Mkdir(bg, fop.RootGfid, "d", newInode(0o755)); err != nil {
		t.Fatalf("mkdir with a frozen brick: %v", err)
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Fatalf("a frozen brick held the application for %v", took)
	}
	if err := f.Fsync(bg, false); err != nil {
		t.Fatal(err)
	}
	c.waitAccuses([]int{0, 1}, "f", Data, 2)
	c.waitAccuses([]int{0, 1}, "", Entry, 2)
	fz.thaw()
}
