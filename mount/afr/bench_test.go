package afr

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestCreateCost measures the cost of small-file creates (verbose only).
func TestCreateCost(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("a measurement: run with -v")
	}
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	data := make([]byte, 4096)
	r.resetCounts()
	res := testing.Benchmark(func(b *testing.B) {
		for k := 0; k < b.N; k++ {
			_, f, err := r.Create(bg, fop.RootGfid, fmt.Sprintf("f%d-%d", b.N, k), syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Write(bg, data, 0); err != nil {
				b.Fatal(err)
			}
			if err := f.Release(bg); err != nil {
				b.Fatal(err)
			}
		}
	})
	t.Logf("create+write+release: %v per file; RPCs per brick per file %d", time.Duration(res.NsPerOp()), r.f[0].Total()/res.N)
	var tc, tw, tr time.Duration
	for k := range 200 {
		t0 := time.Now()
		_, f, err := r.Create(bg, fop.RootGfid, fmt.Sprintf("g%d", k), syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644))
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if _, err := f.Write(bg, data, 0); err != nil {
			t.Fatal(err)
		}
		t2 := time.Now()
		_ = f.Release(bg)
		t3 := time.Now()
		tc, tw, tr = tc+t1.Sub(t0), tw+t2.Sub(t1), tr+t3.Sub(t2)
	}
	t.Logf("create %v write %v release %v", tc/200, tw/200, tr/200)
	for _, op := range []string{"entrylk", "create", "inodelk", "xattrop", "write", "release", "open", "lookup", "getattr"} {
		t.Logf("%s: %d", op, r.f[0].Count(op))
	}
}

func TestRPCCost(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("a measurement: run with -v")
	}
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	e := r.create("x", "")
	b := r.bricks[0]
	time1 := func(name string, fn func()) {
		start := time.Now()
		for range 200 {
			fn()
		}
		t.Logf("%s: %v", name, time.Since(start)/200)
	}
	time1("getattr", func() { _, _ = b.Getattr(bg, e.Gfid) })
	time1("xattrop nil", func() { _, _ = b.Xattrop(bg, e.Gfid, nil) })
	id := b.ID()
	time1("xattrop +1-1", func() {
		_, _ = b.Xattrop(bg, e.Gfid, []fop.PendingDelta{{BrickID: id, Data: 1}})
		_, _ = b.Xattrop(bg, e.Gfid, []fop.PendingDelta{{BrickID: id, Data: -1}})
	})
	time1("inodelk lock+unlock", func() {
		_ = b.Inodelk(bg, e.Gfid, DataDomain, fop.LkSet, fop.Lock{Type: fop.LockWrite, End: fop.LockToEOF, Owner: 5})
		_ = b.Inodelk(bg, e.Gfid, DataDomain, fop.LkSet, fop.Lock{Type: fop.LockUnlock, End: fop.LockToEOF, Owner: 5})
	})
	time1("set getattr x3 parallel", func() { _, _ = r.Getattr(bg, e.Gfid) })
}

// TestSeqWriteCost measures 1 MiB sequential writes through the set and
// through one brick (verbose only).
func TestSeqWriteCost(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("a measurement: run with -v")
	}
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	data := make([]byte, 1<<20)
	e := r.create("seq", "")
	f, err := r.Open(bg, e.Gfid, syscall.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	r.resetCounts()
	start := time.Now()
	for k := range 256 {
		if _, err := f.Write(bg, data, int64(k)<<20); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("set: %.0f MiB/s; inodelk %d xattrop %d write %d", 256/time.Since(start).Seconds(),
		r.f[0].Count("inodelk"), r.f[0].Count("xattrop"), r.f[0].Count("write"))
	_ = f.Release(bg)
	_, bf, err := r.bricks[0].Create(bg, fop.RootGfid, "one", syscall.O_WRONLY|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	for k := range 256 {
		if _, err := bf.Write(bg, data, int64(k)<<20); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("one brick: %.0f MiB/s", 256/time.Since(start).Seconds())
	_ = bf.Release(bg)
}
