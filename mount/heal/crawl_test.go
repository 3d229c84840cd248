package heal_test

import (
	"os"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/mount/heal/healtest"
)

// TestCrawlIndex heals every inode of the dirty indexes, and only those.
func TestCrawlIndex(t *testing.T) {
	f := newFixture(t, 3, heal.Options{Workers: 3}, false)
	var dirty []fop.Gfid
	for _, name := range []string{"a", "b", "c", "d"} {
		g := f.file(fop.RootGfid, name, fop.NewGfid(), 0o644, f.all()...)
		f.write(g, 0, []byte("new content of "+name), 0, 1)
		f.times(g, 1_600_000_000, f.all()...)
		dirty = append(dirty, g)
	}
	untouched := f.file(fop.RootGfid, "untouched", fop.NewGfid(), 0o644, f.all()...)
	f.write(untouched, 0, []byte("differs without a changelog"), 0)
	f.times(untouched, 1_600_000_000, f.all()...)
	f.settle()
	for _, g := range dirty {
		f.missed(g, afr.Data, 2)
	}
	s, err := f.e.CrawlIndex(ctx)
	if err != nil || s.Healed != 4 || s.Visited != 4 || s.Failed != 0 {
		t.Fatalf("index crawl: %+v, %v", s, err)
	}
	healtest.RequireClean(t, f.c.Dirs)
	if got := f.read(2, "untouched"); len(got) != 0 {
		t.Fatalf("the index crawl touched an inode outside the index: %q", got)
	}
	if s, err := f.e.CrawlIndex(ctx); err != nil || s.Visited != 0 {
		t.Fatalf("second crawl: %+v, %v", s, err)
	}
}

// TestCrawlFull fills an empty (replaced) brick from the others, with no
// changelog, and reports copies that differ without one.
func TestCrawlFull(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, false)
	src := []int{0, 1}
	d := f.dir(fop.RootGfid, "d", fop.NewGfid(), src...)
	e := f.dir(d, "e", fop.NewGfid(), src...)
	g := f.file(e, "g", fop.NewGfid(), 0o600, src...)
	f.write(g, 0, []byte("deep"), src...)
	h := f.file(fop.RootGfid, "h", fop.NewGfid(), 0o644, src...)
	f.write(h, 0, []byte("top"), src...)
	for _, x := range []fop.Gfid{g, e, d, h} {
		f.times(x, 1_600_000_000, src...)
	}
	f.settle()
	f.times(fop.RootGfid, 1_600_000_001, 0, 1) // the good bricks changed last
	s, err := f.e.CrawlFull(ctx)
	if err != nil || s.Created != 4 || len(s.Unexplained) != 0 {
		t.Fatalf("full crawl: %+v, %v", s, err)
	}
	f.equal()

	f.write(h, 0, []byte("TOP!"), 1)
	f.chmod(h, 0o600, 1)
	s, err = f.e.CrawlFull(ctx)
	if err != nil || len(s.Unexplained) != 1 || s.Healed != 0 {
		t.Fatalf("full crawl of a silent difference: %+v, %v", s, err)
	}
}

// TestQueue: a queued gfid is healed in the background; Close stops the
// workers.
func TestQueue(t *testing.T) {
	f := newFixture(t, 3, heal.Options{QueueSize: 2}, false)
	g := f.file(fop.RootGfid, "f", fop.NewGfid(), 0o644, f.all()...)
	f.write(g, 0, []byte("queued"), 0, 1)
	f.missed(g, afr.Data, 2)
	f.e.Queue(g) // before Start: kept until the workers run
	f.e.Start()
	deadline := time.Now().Add(10 * time.Second)
	for string(f.read(2, "f")) != "queued" || f.e.Stats().Healed == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not healed in the background; stats %+v", f.e.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 10 {
		f.e.Queue(fop.NewGfid()) // unknown: healed as gone, or dropped when full
	}
	f.must(f.e.Close())
	f.e.Queue(g) // after Close: ignored
	if st := f.e.Stats(); st.Healed < 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestArbiter: the arbiter's data is never written; it takes part in
// entry and metadata heal.
func TestArbiter(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, true)
	g := f.file(fop.RootGfid, "f", fop.NewGfid(), 0o644, f.all()...)
	f.write(g, 0, []byte("data"), 0)
	f.times(g, 1_600_000_000, f.all()...)
	n := f.file(fop.RootGfid, "new", fop.NewGfid(), 0o640, 0, 1)
	f.write(n, 0, []byte("made while the arbiter was down"), 0, 1)
	f.times(n, 1_600_000_000, 0, 1)
	f.settle()
	f.accuse(g, afr.Data, 1, []int{0, 2}, []int{1})
	f.accuse(fop.RootGfid, afr.Entry, 1, []int{0, 1}, []int{2})
	if _, err := f.e.CrawlIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if f.written[2].Load() != 0 {
		t.Fatalf("%d bytes written to the arbiter", f.written[2].Load())
	}
	if st, err := os.Stat(f.path(2, "new")); err != nil || st.Size() != 0 {
		t.Fatalf("the arbiter's copy: %v, %v", st, err)
	}
	f.equal()
}
