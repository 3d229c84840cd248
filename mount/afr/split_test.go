package afr

import (
	"encoding/binary"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
)

// setPending writes, by hand, the counters of rel on brick i against
// brick j (as an administrator could, or a crash would leave them).
func (c *cluster) setPending(i int, rel string, j int, data, meta, entry uint32) {
	c.t.Helper()
	v := make([]byte, 12)
	binary.BigEndian.PutUint32(v[0:], data)
	binary.BigEndian.PutUint32(v[4:], meta)
	binary.BigEndian.PutUint32(v[8:], entry)
	if err := unix.Lsetxattr(c.path(i, rel), "trusted.mortar.pending."+c.brickID(j), v, 0); err != nil {
		c.t.Fatal(err)
	}
}

// healer records what the set queues for healing.
type healer struct {
	mu     sync.Mutex
	queued map[fop.Gfid]int
}

func (h *healer) Queue(g fop.Gfid) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.queued == nil {
		h.queued = map[fop.Gfid]int{}
	}
	h.queued[g]++
}

func (h *healer) has(g fop.Gfid) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.queued[g] > 0
}

// TestDataSplitBrain: two bricks that accuse each other's data: reads
// and writes are EIO, stat still answers (GlusterFS: the file stays
// visible so that it can be resolved), and a heal is queued.
func TestDataSplitBrain(t *testing.T) {
	c := newCluster(t, 3)
	w := c.mount(Options{Name: "s0"})
	e := w.create("f", "data")
	w.settle()
	c.setPending(0, "f", 1, 1, 0, 0)
	c.setPending(0, "f", 2, 1, 0, 0)
	c.setPending(1, "f", 0, 1, 0, 0)
	c.setPending(1, "f", 2, 1, 0, 0)
	h := &healer{}
	r := c.mount(Options{Name: "s0", Healer: h})
	got, err := r.Lookup(bg, fop.RootGfid, "f")
	if err != nil || got.Gfid != e.Gfid || got.Size != 4 {
		t.Fatalf("lookup %+v, %v", got.Attr, err)
	}
	if !h.has(e.Gfid) {
		t.Fatal("no heal queued for a split-brain file")
	}
	if _, err := r.Getattr(bg, e.Gfid); err != nil {
		t.Fatalf("getattr of a data split-brain: %v", err)
	}
	_, err = r.readAll(e.Gfid)
	wantErrno(t, err, syscall.EIO)
	f, err := r.Open(bg, e.Gfid, syscall.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	_, err = f.Write(bg, []byte("x"), 0)
	wantErrno(t, err, syscall.EIO)
	for i := range 3 {
		if data, _ := c.onDisk(i, "f"); data != "data" {
			t.Fatalf("brick %d holds %q after a refused write", i, data)
		}
	}
}

// TestMetadataSplitBrain: stat and xattrs of a metadata split-brain are EIO.
func TestMetadataSplitBrain(t *testing.T) {
	c := newCluster(t, 2)
	w := c.mount(Options{Name: "s0"})
	e := w.create("f", "data")
	w.settle()
	c.setPending(0, "f", 1, 0, 1, 0)
	c.setPending(1, "f", 0, 0, 1, 0)
	r := c.mount(Options{Name: "s0"})
	if _, err := r.Lookup(bg, fop.RootGfid, "f"); err != nil {
		t.Fatalf("lookup: %v", err)
	}
	_, err := r.Getattr(bg, e.Gfid)
	wantErrno(t, err, syscall.EIO)
	_, err = r.Listxattr(bg, e.Gfid)
	wantErrno(t, err, syscall.EIO)
	if got, err := r.readAll(e.Gfid); err != nil || got != "data" {
		t.Fatalf("data of a metadata split-brain: %q, %v", got, err)
	}
}

// TestGfidMismatch: a name with different gfids on the bricks is EIO,
// and its directory is queued for healing.
func TestGfidMismatch(t *testing.T) {
	c := newCluster(t, 3)
	w := c.mount(Options{Name: "s0"})
	a, b := newInode(0o644), newInode(0o644)
	for i, in := range []fop.NewInode{a, b, b} {
		_, f, err := w.bricks[i].Create(bg, fop.RootGfid, "g", syscall.O_RDWR|syscall.O_EXCL, in)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Release(bg)
	}
	h := &healer{}
	r := c.mount(Options{Name: "s0", Healer: h})
	_, err := r.Lookup(bg, fop.RootGfid, "g")
	wantErrno(t, err, syscall.EIO)
	if !h.has(fop.RootGfid) {
		t.Fatal("the directory of a gfid mismatch was not queued")
	}
}

// TestMissingEntryFollowsParentChangelog: a name one brick lacks exists
// when the parent's entry counters say that brick missed its creation,
// and is gone when they say the others missed its removal.
func TestMissingEntryFollowsParentChangelog(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	r.down(2)
	e := r.create("made", "x")
	r.up(2)
	got, err := r.Lookup(bg, fop.RootGfid, "made")
	if err != nil || got.Gfid != e.Gfid {
		t.Fatalf("lookup of a name the returning brick lacks: %+v, %v", got.Attr, err)
	}
	r.create("removed", "y")
	r.settle()
	r.down(2)
	if err := r.Unlink(bg, fop.RootGfid, "removed"); err != nil {
		t.Fatal(err)
	}
	r.up(2)
	_, err = r.Lookup(bg, fop.RootGfid, "removed")
	wantErrno(t, err, syscall.ENOENT)
}

// TestStaleNameOnReturningBrick: a name replaced while a brick was down
// has another gfid on that brick; the parent's changelog says the brick
// is stale, so the lookup answers the good bricks' gfid (and queues the
// directory for healing) instead of EIO.
func TestStaleNameOnReturningBrick(t *testing.T) {
	c := newCluster(t, 3)
	h := &healer{}
	r := c.mount(Options{Name: "s0", Healer: h})
	old := r.create("n", "old")
	r.down(2)
	if err := r.Unlink(bg, fop.RootGfid, "n"); err != nil {
		t.Fatal(err)
	}
	e := r.create("n", "new")
	r.up(2)
	got, err := r.Lookup(bg, fop.RootGfid, "n")
	if err != nil || got.Gfid != e.Gfid || got.Gfid == old.Gfid {
		t.Fatalf("lookup: %v (%v); want the new gfid %v", got.Gfid, err, e.Gfid)
	}
	if !h.has(fop.RootGfid) {
		t.Fatal("the directory with a stale name was not queued for healing")
	}
	if data, err := r.readAll(got.Gfid); err != nil || data != "new" {
		t.Fatalf("read %q, %v", data, err)
	}
}
