package heal_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
)

// TestAllFools: a transaction interrupted on every brick (each accuses
// itself and the others): data from the biggest copy, metadata from the
// latest ctime, entries merged without removing anything.
func TestAllFools(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, false)
	all := f.all()
	data := f.file(fop.RootGfid, "data", fop.NewGfid(), 0o644, all...)
	f.write(data, 0, []byte("short"), 0)
	f.write(data, 0, []byte("the longest copy"), 1)
	f.write(data, 0, []byte("mid size"), 2)
	f.times(data, 1_600_000_000, all...)
	meta := f.file(fop.RootGfid, "meta", fop.NewGfid(), 0o644, all...)
	f.times(meta, 1_600_000_000, all...)
	f.accuse(meta, afr.Metadata, 1, all, all) // the pre-op, everywhere
	f.chmod(meta, 0o600, 0)
	time.Sleep(20 * time.Millisecond) // a later ctime (the kernel's clock ticks every few ms)
	f.chmod(meta, 0o640, 2)
	dir := f.dir(fop.RootGfid, "dir", fop.NewGfid(), all...)
	f.file(dir, "only-on-0", fop.NewGfid(), 0o644, 0)
	f.file(dir, "only-on-1", fop.NewGfid(), 0o644, 1)
	f.times(f.gfidAt(0, dir, "only-on-0"), 1_600_000_000, 0)
	f.times(f.gfidAt(1, dir, "only-on-1"), 1_600_000_000, 1)
	f.times(dir, 1_600_000_005, all...)
	f.settle()
	f.accuse(data, afr.Data, 1, all, all)
	f.accuse(dir, afr.Entry, 1, all, all)

	for _, g := range []fop.Gfid{data, meta, dir} {
		if r := f.heal(g); len(r.Healed) == 0 || len(r.SplitBrain) != 0 {
			t.Errorf("heal %s: %+v", g, r)
		}
	}
	if got := f.read(0, "data"); string(got) != "the longest copy" {
		t.Errorf("data heal picked %q", got)
	}
	if st, err := os.Stat(f.path(1, "meta")); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("metadata heal picked %v, %v", st.Mode(), err)
	}
	for _, name := range []string{"dir/only-on-0", "dir/only-on-1"} {
		if _, err := os.Stat(f.path(2, name)); err != nil {
			t.Errorf("merge: %v", err)
		}
	}
	f.times(dir, 1_600_000_005, all...) // merged on every brick: each directory changed
	f.equal()
}

// gfidAt looks name up in dir on brick i.
func (f *fixture) gfidAt(i int, dir fop.Gfid, name string) fop.Gfid {
	f.t.Helper()
	e, err := f.bricks[i].Lookup(ctx, dir, name)
	f.must(err)
	return e.Gfid
}

// TestGfidSplitBrainInMerge: a merge leaves a name with different gfids
// alone and keeps the directory's counters.
func TestGfidSplitBrainInMerge(t *testing.T) {
	f := newFixture(t, 2, heal.Options{}, false)
	dir := f.dir(fop.RootGfid, "dir", fop.NewGfid(), 0, 1)
	f.file(dir, "n", fop.NewGfid(), 0o644, 0)
	f.file(dir, "n", fop.NewGfid(), 0o644, 1)
	f.accuse(dir, afr.Entry, 1, []int{0, 1}, []int{0, 1})
	r := f.heal(dir)
	if !slices.Equal(r.SplitBrain, []afr.Kind{afr.Entry}) {
		t.Fatalf("result %+v", r)
	}
	if f.gfidAt(0, dir, "n") == f.gfidAt(1, dir, "n") {
		t.Fatal("a gfid split-brain was resolved by guessing")
	}
	st, err := f.bricks[0].Xattrop(ctx, dir, nil)
	f.must(err)
	if len(st) == 0 || st[0].Entry == 0 && st[len(st)-1].Entry == 0 {
		t.Fatalf("counters cleared: %+v", st)
	}
}
