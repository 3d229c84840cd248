package dht

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// skewDir gives the copies of directory g different times, sizes and
// nlinks on the three sets: the newest atime on set 1, the newest mtime on
// set 2, nlink 3 on set 2 only, size 4096·(i+1) on set i.
func (f *fixture) skewDir(g fop.Gfid) {
	f.t.Helper()
	times := [][2]int64{{1000, 1000}, {3000, 1500}, {2000, 4000}} // atime, mtime
	for i, v := range f.vols {
		in := fop.SetattrIn{Valid: fop.SetAtime | fop.SetMtime | fop.SetSize,
			Atime: fop.Timespec{Sec: times[i][0]}, Mtime: fop.Timespec{Sec: times[i][1]}, Size: 4096 * uint64(i+1)}
		if _, err := v.Setattr(ctx, g, in); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.vols[2].Mkdir(ctx, g, "only-on-set-2", fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o755}); err != nil {
		f.t.Fatal(err)
	}
}

// mergedDir is what every path must report for directory g: set 0's
// attributes with the newest times of all sets, read from the sets.
func (f *fixture) mergedDir(g fop.Gfid) fop.Attr {
	f.t.Helper()
	var want fop.Attr
	for i, v := range f.vols {
		e, err := v.Getattr(ctx, g)
		if err != nil {
			f.t.Fatal(err)
		}
		if i == 0 {
			want = e.Attr
			continue
		}
		want.Atime = later(want.Atime, e.Atime)
		want.Mtime = later(want.Mtime, e.Mtime)
		want.Ctime = later(want.Ctime, e.Ctime)
	}
	return want
}

func wantAttr(t *testing.T, path string, got, want fop.Attr) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got  %+v\n want %+v", path, got, want)
	}
}

// TestDirAttrsSamePathsAgree: lookup, getattr (with and without a known
// location), readdir, setattr and mkdir report one directory's attributes
// the same way, whatever each set's copy says.
func TestDirAttrsSamePathsAgree(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	name := f.name(root, 2, "d") // hashed to set 2: not the base set
	dir := f.mkdir(root, name)
	f.skewDir(dir.Gfid)
	want := f.mergedDir(dir.Gfid)
	if want.Atime.Sec != 3000 || want.Nlink != 2 || want.Size != 4096 {
		t.Fatalf("fixture: merged %+v, want atime 3000 (set 1), nlink 2 and size 4096 (set 0)", want)
	}
	if mt, _ := f.vols[2].Getattr(ctx, dir.Gfid); want.Mtime != mt.Mtime {
		t.Fatalf("fixture: merged mtime %v, want set 2's %v", want.Mtime, mt.Mtime)
	}

	e, err := f.fresh().Lookup(ctx, root, name)
	if err != nil {
		t.Fatal(err)
	}
	wantAttr(t, "lookup", e.Attr, want)
	for what, d := range map[string]*distribute{"getattr, location known": f.d, "getattr by gfid alone": f.fresh()} {
		e, err := d.Getattr(ctx, dir.Gfid)
		if err != nil {
			t.Fatal(err)
		}
		wantAttr(t, what, e.Attr, want)
	}
	found := false
	for _, e := range readAll(t, f.fresh(), root, 1000) {
		if e.Name == name {
			found = true
			wantAttr(t, "readdir", e.Attr, want)
		}
	}
	if !found {
		t.Fatalf("readdir does not list %s", name)
	}

	a, err := f.d.Setattr(ctx, dir.Gfid, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o700})
	if err != nil {
		t.Fatal(err)
	}
	wantAttr(t, "setattr", a, f.mergedDir(dir.Gfid))
	sub := f.mkdir(dir.Gfid, "sub")
	wantAttr(t, "mkdir", sub.Attr, f.mergedDir(sub.Gfid))
}

// TestReaddirDirAttrsEveryOrder: the merge in readdir does not depend on
// which set lists a directory first, nor on the page size, nor on resuming
// at a cookie.
func TestReaddirDirAttrsEveryOrder(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	want := map[string]fop.Attr{}
	for i := range 3 {
		for n := range 4 {
			name := f.name(root, i, fmt.Sprintf("dir%d-%d-", i, n))
			d := f.mkdir(root, name)
			f.skewDir(d.Gfid)
			want[name] = f.mergedDir(d.Gfid)
		}
		f.create(root, f.name(root, i, "file"), "x")
	}
	for _, max := range []int{1, 2, 5, 1000} {
		got := readAll(t, f.fresh(), root, max)
		n := 0
		for _, e := range got {
			if w, ok := want[e.Name]; ok {
				n++
				wantAttr(t, fmt.Sprintf("readdir max %d, %s", max, e.Name), e.Attr, w)
			}
		}
		if n != len(want) || len(got) != len(want)+3 {
			t.Errorf("max %d: %d entries, %d directories, want %d and %d", max, len(got), n, len(want)+3, len(want))
		}
	}
}

// TestGetattrOpenRemovedDir: a directory removed while open still answers
// getattr by gfid (nlink 0), through the location dht knows and through a
// search, also when its hashed set no longer knows it.
func TestGetattrOpenRemovedDir(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	dir := f.mkdir(root, f.name(root, 1, "d"))
	h, err := f.d.Opendir(ctx, dir.Gfid)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.d.Rmdir(ctx, root, f.name(root, 1, "d")); err != nil {
		t.Fatal(err)
	}
	for what, d := range map[string]*distribute{"location known": f.d, "by gfid alone": f.fresh()} {
		e, err := d.Getattr(ctx, dir.Gfid)
		if err != nil {
			t.Fatalf("%s: getattr of the open removed directory: %v", what, err)
		}
		if e.Nlink != 0 || !isDir(e.Mode) {
			t.Errorf("%s: nlink %d mode %o, want a directory with nlink 0", what, e.Nlink, e.Mode)
		}
	}
	if _, _, err := h.Readdir(ctx, 0, 100); err == nil {
		t.Error("readdir of a removed directory succeeded, want ENOENT")
	}
	before := make([]int, len(f.vols))
	for i, v := range f.vols {
		before[i] = v.Calls("releasedir")
	}
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
	for i, v := range f.vols {
		if n := v.Calls("releasedir") - before[i]; n != 1 {
			t.Errorf("set %d: %d releasedir calls, want 1", i, n)
		}
	}
	_, err = f.fresh().Getattr(ctx, dir.Gfid)
	wantErrno(t, err, syscall.ESTALE)

	// Open only where it is not hashed: the hashed set answers ESTALE.
	name := f.name(root, 1, "e")
	dir = f.mkdir(root, name)
	if _, err := f.d.Lookup(ctx, root, name); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 2} {
		sub, err := f.vols[i].Opendir(ctx, dir.Gfid)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Release(ctx)
	}
	if err := f.d.Rmdir(ctx, root, name); err != nil {
		t.Fatal(err)
	}
	if _, err := f.vols[1].Getattr(ctx, dir.Gfid); err == nil {
		t.Fatal("fixture: the hashed set still knows the removed directory")
	}
	if e, err := f.d.Getattr(ctx, dir.Gfid); err != nil || e.Nlink != 0 {
		t.Fatalf("hashed set without the directory: getattr %+v, %v; want nlink 0", e.Attr, err)
	}
}

// TestReaddirDirConflict: a directory of the same name but another gfid on
// some set (a conflict) lends the listed directory none of its attributes.
func TestReaddirDirConflict(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	name := f.name(root, 2, "d")
	e, err := f.vols[2].Mkdir(ctx, root, name, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o755})
	if err != nil {
		t.Fatal(err)
	}
	other := fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o700}
	if _, err := f.vols[0].Mkdir(ctx, root, name, other); err != nil {
		t.Fatal(err)
	}
	if _, err := f.vols[0].Setattr(ctx, other.Gfid, fop.SetattrIn{Valid: fop.SetMtime, Mtime: fop.Timespec{Sec: 1 << 40}}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, f.fresh(), root, 1000)
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1", len(got))
	}
	wantAttr(t, "readdir", got[0].Attr, e.Attr)
}
