package heal_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/mount/heal/healtest"
)

const sIFIFO = 0o010000

// TestEntryHeal: what brick 2 missed while it was down is made on it with
// the same gfids (file with data, hard link, symlink, fifo, a directory
// subtree), what was deleted meanwhile is removed from it (a directory
// recursively), a name whose gfid differs is replaced, a directory renamed
// meanwhile is renamed; counters and dirty index end empty; a second heal
// does nothing.
func TestEntryHeal(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, false)
	src := []int{0, 1}
	file := f.file(fop.RootGfid, "f", fop.NewGfid(), 0o640, src...)
	f.write(file, 0, []byte("hello"), src...)
	for _, i := range src {
		_, err := f.bricks[i].Link(ctx, file, fop.RootGfid, "f2")
		f.must(err)
		_, err = f.bricks[i].Symlink(ctx, fop.RootGfid, "l", "f", fop.NewInode{Gfid: f.sameGfid("l"), Mode: 0o777})
		f.must(err)
		_, err = f.bricks[i].Mknod(ctx, fop.RootGfid, "p", fop.NewInode{Gfid: f.sameGfid("p"), Mode: sIFIFO | 0o600})
		f.must(err)
	}
	d := f.dir(fop.RootGfid, "d", fop.NewGfid(), src...)
	e := f.dir(d, "e", fop.NewGfid(), src...)
	g := f.file(e, "g", fop.NewGfid(), 0o600, src...)
	f.write(g, 0, []byte("deep"), src...)

	// Removed while brick 2 was down.
	f.file(fop.RootGfid, "old", fop.NewGfid(), 0o644, 2)
	od := f.dir(fop.RootGfid, "olddir", fop.NewGfid(), 2)
	f.file(f.dir(od, "sub", fop.NewGfid(), 2), "x", fop.NewGfid(), 0o644, 2)
	// The same name with another gfid (and type) on brick 2.
	x := f.file(fop.RootGfid, "x", fop.NewGfid(), 0o644, src...)
	f.write(x, 0, []byte("source"), src...)
	f.file(f.dir(fop.RootGfid, "x", fop.NewGfid(), 2), "inside", fop.NewGfid(), 0o644, 2)
	// A directory renamed while brick 2 was down.
	m := f.dir(fop.RootGfid, "moved", fop.NewGfid(), src...)
	f.dir(fop.RootGfid, "before", m, 2)
	child := f.file(m, "child", fop.NewGfid(), 0o644, f.all()...)

	for _, in := range []fop.Gfid{file, f.gfidOf("l"), f.gfidOf("p"), g, x, e, d} {
		f.times(in, 1_600_000_000, src...)
	}
	f.times(child, 1_600_000_000, f.all()...)
	f.times(m, 1_600_000_001, f.all()...)
	f.settle()
	f.accuse(fop.RootGfid, afr.Entry, 7, src, []int{2})
	f.accuse(d, afr.Entry, 1, src, []int{2}) // e was made in d while 2 was down
	f.accuse(g, afr.Data, 1, src, []int{2})  // and g written

	r := f.heal(fop.RootGfid)
	if !slices.Equal(r.Healed, []afr.Kind{afr.Entry}) {
		t.Errorf("result %+v", r)
	}
	f.equal()
	if got := f.read(2, "d/e/g"); string(got) != "deep" {
		t.Errorf("d/e/g on brick 2: %q", got)
	}
	for _, gone := range []string{"old", "olddir", "before"} {
		if _, err := os.Lstat(f.path(2, gone)); !os.IsNotExist(err) {
			t.Errorf("%s left on brick 2: %v", gone, err)
		}
	}
	if again := f.heal(fop.RootGfid); !again.Clean() || again.Created+again.Removed != 0 {
		t.Errorf("second heal: %+v", again)
	}
}

// sameGfid returns one gfid per name for the whole test.
func (f *fixture) sameGfid(name string) fop.Gfid {
	if f.gfids == nil {
		f.gfids = map[string]fop.Gfid{}
	}
	if _, ok := f.gfids[name]; !ok {
		f.gfids[name] = fop.NewGfid()
	}
	return f.gfids[name]
}

func (f *fixture) gfidOf(name string) fop.Gfid { return f.gfids[name] }

// TestEntryHealCreatedDirIsMarked: a directory made by an entry heal is
// marked on the sources before it is filled, so that a heal cut short
// resumes from the dirty index.
func TestEntryHealCreatedDirIsMarked(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, false)
	d := f.dir(fop.RootGfid, "d", fop.NewGfid(), 0, 1)
	a := f.file(d, "a", fop.NewGfid(), 0o644, 0, 1)
	f.times(a, 1_600_000_000, 0, 1)
	f.times(d, 1_600_000_000, 0, 1)
	f.settle()
	f.accuse(fop.RootGfid, afr.Entry, 1, []int{0, 1}, []int{2})
	cut := heal.New(heal.Set{Name: "cut", Bricks: []fop.Brick{f.bricks[0], f.bricks[1], noCreate{f.bricks[2]}}},
		heal.Options{Logger: healtest.Quiet})
	defer cut.Close()
	if _, err := cut.HealGfid(ctx, fop.RootGfid); !errors.Is(err, syscall.EIO) {
		t.Fatalf("a heal whose sink cannot create files: %v", err)
	}
	// d was made on brick 2 (its metadata healed) but not filled: its
	// entries stay accused by the sources.
	for _, i := range []int{0, 1} {
		st, err := f.bricks[i].Xattrop(ctx, d, nil)
		f.must(err)
		if len(st) != 1 || st[0].BrickID != f.bricks[2].ID() || st[0].Entry != 1 {
			t.Fatalf("d's counters on brick %d: %+v", i, st)
		}
	}
	if s, err := f.e.CrawlIndex(ctx); err != nil || s.Healed == 0 {
		t.Fatalf("index crawl: %+v, %v", s, err)
	}
	f.equal()
}

// noCreate is a brick that cannot create regular files.
type noCreate struct{ fop.Brick }

func (noCreate) Create(context.Context, fop.Gfid, string, uint32, fop.NewInode) (fop.Entry, fop.File, error) {
	return fop.Entry{}, nil, syscall.EIO
}
