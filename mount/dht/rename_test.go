package dht

import (
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestRenameAcrossSets follows one file through three renames: its data
// never moves, the new name's set gets a linkto, the old linkto goes.
func TestRenameAcrossSets(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a := f.name(root, 0, "a")
	b := f.name(root, 1, "b")
	c := f.name(root, 2, "c")
	e := f.create(root, a, "payload")

	if err := f.d.Rename(ctx, root, a, root, b, 0); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{b}, []string{b + "@set-0"}, nil)
	if got := f.read(f.fresh(), root, b); got != "payload" {
		t.Fatalf("after rename: %q", got)
	}
	_, err := f.fresh().Lookup(ctx, root, a)
	wantErrno(t, err, syscall.ENOENT)

	// Again, to a third set: the linkto on set 1 is removed.
	if err := f.d.Rename(ctx, root, b, root, c, 0); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{c}, nil, []string{c + "@set-0"})

	// Back to a name of the data's own set: no linkto at all.
	a2 := f.name(root, 0, "back")
	if err := f.d.Rename(ctx, root, c, root, a2, 0); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{a2}, nil, nil)
	got, err := f.fresh().Lookup(ctx, root, a2)
	if err != nil || got.Gfid != e.Gfid {
		t.Fatalf("gfid changed: %+v %v", got, err)
	}
}

// TestRenameMovesLinktoOnSameSet: old and new names hash to the same set,
// which holds the old name's linkto: it is renamed, not duplicated.
func TestRenameMovesLinktoOnSameSet(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a := f.name(root, 0, "a")
	b := f.name(root, 1, "b")
	b2 := f.name(root, 1, "bb")
	f.create(root, a, "x")
	if err := f.d.Rename(ctx, root, a, root, b, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Rename(ctx, root, b, root, b2, 0); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{b2}, []string{b2 + "@set-0"}, nil)
	if got := f.read(f.fresh(), root, b2); got != "x" {
		t.Fatalf("read %q", got)
	}
}

// TestRenameOverwrites covers a destination whose data is on the new
// name's set, on the source's set, and on a third set behind a linkto.
func TestRenameOverwrites(t *testing.T) {
	root := fop.RootGfid
	t.Run("destination on its hashed set", func(t *testing.T) {
		f := newFixture(t)
		src, dst := f.name(root, 0, "src"), f.name(root, 1, "dst")
		f.create(root, src, "new")
		old := f.create(root, dst, "old")
		if err := f.d.Rename(ctx, root, src, root, dst, 0); err != nil {
			t.Fatal(err)
		}
		f.wantNames(root, []string{dst}, []string{dst + "@set-0"}, nil)
		if got := f.read(f.fresh(), root, dst); got != "new" {
			t.Fatalf("read %q", got)
		}
		if _, err := f.vols[1].Getattr(ctx, old.Gfid); err == nil {
			t.Fatal("the replaced file still exists")
		}
	})
	t.Run("destination behind a linkto on a third set", func(t *testing.T) {
		f := newFixture(t)
		src, tmp, dst := f.name(root, 0, "src"), f.name(root, 2, "tmp"), f.name(root, 1, "dst")
		f.create(root, src, "new")
		f.create(root, tmp, "old") // data on set 2
		if err := f.d.Rename(ctx, root, tmp, root, dst, 0); err != nil {
			t.Fatal(err)
		}
		f.wantNames(root, []string{src}, []string{dst + "@set-2"}, []string{dst})
		if err := f.d.Rename(ctx, root, src, root, dst, 0); err != nil {
			t.Fatal(err)
		}
		f.wantNames(root, []string{dst}, []string{dst + "@set-0"}, nil)
		if got := f.read(f.fresh(), root, dst); got != "new" {
			t.Fatalf("read %q", got)
		}
	})
	t.Run("destination on the source's set", func(t *testing.T) {
		f := newFixture(t)
		src, tmp, dst := f.name(root, 0, "src"), f.name(root, 0, "tmp"), f.name(root, 2, "dst")
		f.create(root, src, "new")
		f.create(root, tmp, "old")
		if err := f.d.Rename(ctx, root, tmp, root, dst, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.d.Rename(ctx, root, src, root, dst, 0); err != nil {
			t.Fatal(err)
		}
		f.wantNames(root, []string{dst}, nil, []string{dst + "@set-0"})
		if got := f.read(f.fresh(), root, dst); got != "new" {
			t.Fatalf("read %q", got)
		}
	})
}

func TestRenameNoreplaceAndSameInode(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a, b := f.name(root, 0, "a"), f.name(root, 1, "b")
	e := f.create(root, a, "x")
	f.create(root, b, "y")
	err := f.d.Rename(ctx, root, a, root, b, fop.RenameNoreplace)
	wantErrno(t, err, syscall.EEXIST)
	f.wantNames(root, []string{a}, []string{b}, nil)

	// Two names of one inode: rename does nothing.
	c := f.name(root, 2, "c")
	if _, err := f.d.Link(ctx, e.Gfid, root, c); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Rename(ctx, root, a, root, c, 0); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{a, c}, []string{b}, []string{c + "@set-0"})

	err = f.d.Rename(ctx, root, "missing", root, "x", 0)
	wantErrno(t, err, syscall.ENOENT)
}

func TestRenameFileOverDirectoryAndBack(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	f.create(root, "file", "x")
	f.mkdir(root, "dir")
	wantErrno(t, f.d.Rename(ctx, root, "file", root, "dir", 0), syscall.EISDIR)
	wantErrno(t, f.d.Rename(ctx, root, "dir", root, "file", 0), syscall.ENOTDIR)
}

func TestRenameDirectory(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	dir := f.mkdir(root, "d1")
	inner := f.name(dir.Gfid, 2, "f")
	f.create(dir.Gfid, inner, "inside")
	if err := f.d.Rename(ctx, root, "d1", root, "d2", 0); err != nil {
		t.Fatal(err)
	}
	for i, v := range f.vols {
		if e, err := v.Lookup(ctx, root, "d2"); err != nil || e.Gfid != dir.Gfid {
			t.Errorf("set %d: %+v %v", i, e, err)
		}
		if _, err := v.Lookup(ctx, root, "d1"); err == nil {
			t.Errorf("set %d still has d1", i)
		}
	}
	// Nothing moved: the file is still where its (parent gfid, name) hashes.
	f.wantNames(dir.Gfid, nil, nil, []string{inner})
	if got := f.read(f.fresh(), dir.Gfid, inner); got != "inside" {
		t.Fatalf("read %q", got)
	}

	// Over a directory that is empty except for a stale linkto: allowed.
	empty := f.mkdir(root, "e")
	if _, err := f.vols[1].MknodLinkto(ctx, empty.Gfid, "ghost", fop.NewGfid(), "set-0"); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Rename(ctx, root, "d2", root, "e", 0); err != nil {
		t.Fatal(err)
	}
	// Over a directory with a file on any set: ENOTEMPTY.
	full := f.mkdir(root, "full")
	f.create(full.Gfid, f.name(full.Gfid, 1, "x"), "x")
	wantErrno(t, f.d.Rename(ctx, root, "e", root, "full", 0), syscall.ENOTEMPTY)
}

func TestRenameExchange(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a, b := f.name(root, 0, "a"), f.name(root, 0, "b")
	f.create(root, a, "A")
	f.create(root, b, "B")
	if err := f.d.Rename(ctx, root, a, root, b, fop.RenameExchange); err != nil {
		t.Fatal(err)
	}
	if f.read(f.d, root, a) != "B" || f.read(f.d, root, b) != "A" {
		t.Fatal("exchange on one set did not swap")
	}
	c := f.name(root, 1, "c")
	f.create(root, c, "C")
	wantErrno(t, f.d.Rename(ctx, root, a, root, c, fop.RenameExchange), syscall.EXDEV)

	f.mkdir(root, "d1")
	f.mkdir(root, "d2")
	d1, _ := f.d.Lookup(ctx, root, "d1")
	if err := f.d.Rename(ctx, root, "d1", root, "d2", fop.RenameExchange); err != nil {
		t.Fatal(err)
	}
	for i, v := range f.vols {
		if e, _ := v.Lookup(ctx, root, "d2"); e.Gfid != d1.Gfid {
			t.Errorf("set %d: directories not exchanged", i)
		}
	}
	wantErrno(t, f.d.Rename(ctx, root, a, root, "d1", fop.RenameExchange), syscall.EXDEV)
	wantErrno(t, f.d.Rename(ctx, root, a, root, "nothing", fop.RenameExchange), syscall.ENOENT)
}

func TestLinkAcrossSets(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a, b := f.name(root, 0, "a"), f.name(root, 1, "b")
	e := f.create(root, a, "data")
	got, err := f.d.Link(ctx, e.Gfid, root, b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Gfid != e.Gfid || got.Nlink != 2 {
		t.Fatalf("link entry %+v", got.Attr)
	}
	f.wantNames(root, []string{a, b}, []string{b + "@set-0"}, nil)
	if f.read(f.fresh(), root, b) != "data" {
		t.Fatal("new name does not read the data")
	}
	// A name that exists: EEXIST, and no linkto left behind.
	c := f.name(root, 2, "c")
	f.create(root, c, "other")
	_, err = f.d.Link(ctx, e.Gfid, root, c)
	wantErrno(t, err, syscall.EEXIST)
	f.wantNames(root, []string{a, b}, []string{b + "@set-0"}, []string{c})

	// Unlink through the linkto removes both the data name and the linkto.
	if err := f.d.Unlink(ctx, root, b); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{a}, nil, []string{c})
	if a, _ := f.vols[0].Getattr(ctx, e.Gfid); a.Nlink != 1 {
		t.Fatalf("nlink %d after unlink", a.Nlink)
	}
}

func TestLinkOfDirectory(t *testing.T) {
	f := newFixture(t)
	d := f.mkdir(fop.RootGfid, "d")
	_, err := f.d.Link(ctx, d.Gfid, fop.RootGfid, "l")
	wantErrno(t, err, syscall.EPERM)
}

// TestLinktoOfManyNames: two extra names of one file hash to the same other
// set; that set holds one linkto inode with two names, as a brick must
// (one inode per gfid).
func TestLinktoOfManyNames(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a, b, c := f.name(root, 0, "a"), f.name(root, 1, "b"), f.name(root, 1, "c")
	e := f.create(root, a, "data")
	if _, err := f.d.Link(ctx, e.Gfid, root, b); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.Link(ctx, e.Gfid, root, c); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{a, b, c}, []string{b + "@set-0", c + "@set-0"}, nil)
	if lt, _ := f.vols[1].Getattr(ctx, e.Gfid); lt.Nlink != 2 {
		t.Fatalf("linkto inode nlink %d, want 2", lt.Nlink)
	}
	// Renaming the data's own name to a third name hashing to set 1 too.
	d := f.name(root, 1, "d")
	if err := f.d.Rename(ctx, root, a, root, d, 0); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{b, c, d}, []string{b + "@set-0", c + "@set-0", d + "@set-0"}, nil)
	if err := f.d.Unlink(ctx, root, b); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{c, d} {
		if got := f.read(f.fresh(), root, n); got != "data" {
			t.Fatalf("%s reads %q", n, got)
		}
	}
}

func TestLinkOverStaleLinkto(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a, b := f.name(root, 0, "a"), f.name(root, 1, "b")
	e := f.create(root, a, "data")
	if _, err := f.vols[1].MknodLinkto(ctx, root, b, fop.NewGfid(), "set-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.Link(ctx, e.Gfid, root, b); err != nil {
		t.Fatal(err)
	}
	f.wantNames(root, []string{a, b}, []string{b + "@set-0"}, nil)
}
