package dht

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

func TestPlacementByHash(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	perSet := make([][]string, 3)
	for n := range 60 {
		name := fmt.Sprintf("file-%d", n)
		f.create(root, name, name)
		h := f.table.SetOf(root, name)
		perSet[h] = append(perSet[h], name)
	}
	for i := range perSet {
		if len(perSet[i]) == 0 {
			t.Fatalf("no name of 60 hashes to set %d", i)
		}
	}
	f.wantNames(root, perSet...)

	// Another client, with nothing cached, finds every file by name and by gfid.
	other := f.fresh()
	for n := range 60 {
		name := fmt.Sprintf("file-%d", n)
		if got := f.read(other, root, name); got != name {
			t.Errorf("%s reads %q", name, got)
		}
	}
	e, err := f.d.Lookup(ctx, root, "file-7")
	if err != nil {
		t.Fatal(err)
	}
	cold := f.fresh()
	got, err := cold.Getattr(ctx, e.Gfid)
	if err != nil || got.Gfid != e.Gfid || got.Size != uint64(len("file-7")) {
		t.Fatalf("getattr by gfid on a cold client: %+v, %v", got, err)
	}
}

func TestMkdirOnEverySetAndSelfHeal(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	dir := f.mkdir(root, "d")
	for i, v := range f.vols {
		e, err := v.Lookup(ctx, root, "d")
		if err != nil || e.Gfid != dir.Gfid {
			t.Fatalf("set %d: %+v %v", i, e, err)
		}
	}
	// The directory vanishes from set 2 (a brick replaced, a failed mkdir).
	if err := f.vols[2].Rmdir(ctx, root, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.fresh().Lookup(ctx, root, "d"); err != nil {
		t.Fatal(err)
	}
	e, err := f.vols[2].Lookup(ctx, root, "d")
	if err != nil {
		t.Fatalf("lookup did not heal the directory: %v", err)
	}
	if e.Gfid != dir.Gfid || e.Mode != syscall.S_IFDIR|0o750 || e.Uid != 7 || e.Gid != 8 {
		t.Fatalf("healed directory %+v, want gfid %s mode 0750 owner 7:8", e.Attr, dir.Gfid)
	}
}

func TestMkdirFailureOnOneSetIsHealed(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	name := f.name(root, 0, "dir")
	f.vols[1].Fail("mkdir", syscall.ENOSPC)
	dir := f.mkdir(root, name)
	f.vols[1].Fail("mkdir", nil)
	if _, err := f.vols[1].Lookup(ctx, root, name); err == nil {
		t.Fatal("mkdir reached set 1 despite the failure")
	}
	if _, err := f.d.Lookup(ctx, root, name); err != nil {
		t.Fatal(err)
	}
	if e, err := f.vols[1].Lookup(ctx, root, name); err != nil || e.Gfid != dir.Gfid {
		t.Fatalf("not healed: %+v %v", e, err)
	}
}

func TestMkdirExistsOnHashedSet(t *testing.T) {
	f := newFixture(t)
	f.mkdir(fop.RootGfid, "d")
	_, err := f.d.Mkdir(ctx, fop.RootGfid, "d", fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o755})
	wantErrno(t, err, syscall.EEXIST)
}

func TestDirectoryAttributesMerged(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	dir := f.mkdir(root, "d")
	later := fop.Timespec{Sec: 4_000_000_000, Nsec: 5}
	// Only set 2 saw the newest change (its own file was created there).
	if _, err := f.vols[2].Setattr(ctx, dir.Gfid, fop.SetattrIn{Valid: fop.SetMtime, Mtime: later}); err != nil {
		t.Fatal(err)
	}
	e, err := f.fresh().Lookup(ctx, root, "d")
	if err != nil || e.Mtime != later {
		t.Fatalf("lookup mtime %+v (%v), want %+v", e.Mtime, err, later)
	}
	a, err := f.fresh().Getattr(ctx, dir.Gfid)
	if err != nil || a.Mtime != later {
		t.Fatalf("getattr mtime %+v (%v), want %+v", a.Mtime, err, later)
	}
}

func TestSetattrAndXattrOnDirectoryReachEverySet(t *testing.T) {
	f := newFixture(t)
	dir := f.mkdir(fop.RootGfid, "d")
	if _, err := f.fresh().Setattr(ctx, dir.Gfid, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o711}); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Setxattr(ctx, dir.Gfid, "user.k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	for i, v := range f.vols {
		e, _ := v.Getattr(ctx, dir.Gfid)
		if e.Mode&0o7777 != 0o711 {
			t.Errorf("set %d: mode %o", i, e.Mode)
		}
		if val, err := v.Getxattr(ctx, dir.Gfid, "user.k"); err != nil || string(val) != "v" {
			t.Errorf("set %d: xattr %q %v", i, val, err)
		}
	}
	// A failing hashed (reference) set fails the call and changes nothing else.
	ref := f.table.SetOf(fop.RootGfid, "d")
	f.vols[ref].Fail("setattr", syscall.EPERM)
	_, err := f.d.Setattr(ctx, dir.Gfid, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o700})
	wantErrno(t, err, syscall.EPERM)
	for i, v := range f.vols {
		if e, _ := v.Getattr(ctx, dir.Gfid); e.Mode&0o7777 != 0o711 {
			t.Errorf("set %d changed to %o after the reference set failed", i, e.Mode)
		}
	}
}

func TestSetattrOnFileReachesItsSetOnly(t *testing.T) {
	f := newFixture(t)
	name := f.name(fop.RootGfid, 1, "f")
	e := f.create(fop.RootGfid, name, "x")
	if _, err := f.fresh().Setattr(ctx, e.Gfid, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	if f.vols[0].Calls("setattr")+f.vols[2].Calls("setattr") != 0 {
		t.Fatal("setattr of a file went to other sets")
	}
	if got, _ := f.vols[1].Getattr(ctx, e.Gfid); got.Mode&0o7777 != 0o600 {
		t.Fatalf("mode %o", got.Mode)
	}
}

func TestStatfsSum(t *testing.T) {
	f := newFixture(t)
	f.vols[0].SetStatfs(fop.Statfs{Blocks: 100, Bfree: 50, Bavail: 40, Files: 10, Ffree: 5, Bsize: 4096, Frsize: 4096, Namelen: 255})
	f.vols[1].SetStatfs(fop.Statfs{Blocks: 800, Bfree: 400, Bavail: 80, Files: 20, Ffree: 6, Bsize: 512, Frsize: 512, Namelen: 255})
	f.vols[2].SetStatfs(fop.Statfs{Blocks: 10, Bfree: 10, Bavail: 10, Files: 30, Ffree: 7, Bsize: 8192, Frsize: 8192, Namelen: 200})
	got, err := f.d.Statfs(ctx, fop.RootGfid)
	if err != nil {
		t.Fatal(err)
	}
	want := fop.Statfs{Blocks: 100 + 100 + 20, Bfree: 50 + 50 + 20, Bavail: 40 + 10 + 20, Files: 60, Ffree: 18,
		Bsize: 4096, Frsize: 4096, Namelen: 200}
	if got != want {
		t.Fatalf("statfs %+v, want %+v", got, want)
	}
	// A set that does not answer is left out.
	f.vols[2].Fail("statfs", syscall.ENOTCONN)
	got, err = f.d.Statfs(ctx, fop.RootGfid)
	if err != nil || got.Blocks != 200 {
		t.Fatalf("statfs without set 2: %+v %v", got, err)
	}
}

func TestCreateExistingName(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	f.create(root, "a", "hello")
	_, _, err := f.d.Create(ctx, root, "a", syscall.O_RDWR|syscall.O_EXCL, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	wantErrno(t, err, syscall.EEXIST)
	// Without O_EXCL the existing file is opened, even through a linkto.
	moved := f.name(root, (f.table.SetOf(root, "a")+1)%3, "b")
	if err := f.d.Rename(ctx, root, "a", root, moved, 0); err != nil {
		t.Fatal(err)
	}
	e, file, err := f.d.Create(ctx, root, moved, syscall.O_RDWR, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Release(ctx)
	buf := make([]byte, 10)
	if n, _ := file.Read(ctx, buf, 0); string(buf[:n]) != "hello" || e.Linkto != "" {
		t.Fatalf("create without O_EXCL opened %q (entry %+v)", buf[:n], e)
	}
}

func TestCreateOverStaleLinkto(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	name := f.name(root, 1, "s")
	if _, err := f.vols[1].MknodLinkto(ctx, root, name, fop.NewGfid(), "set-0"); err != nil {
		t.Fatal(err)
	}
	_, err := f.d.Lookup(ctx, root, name)
	wantErrno(t, err, syscall.ENOENT)
	f.create(root, name, "new")
	if got := f.read(f.d, root, name); got != "new" {
		t.Fatalf("read %q", got)
	}
	f.wantNames(root, nil, []string{name}, nil)
}

func TestWatchAndClose(t *testing.T) {
	f := newFixture(t)
	var got []fop.Event
	f.d.Watch(func(ev fop.Event) { got = append(got, ev) })
	for i, v := range f.vols {
		v.Emit(fop.Event{Kind: fop.EventEntry, Name: fmt.Sprint(i)})
	}
	if len(got) != 3 {
		t.Fatalf("events %+v", got)
	}
	if err := f.d.Close(); err != nil {
		t.Fatal(err)
	}
	for i, v := range f.vols {
		if !v.Closed() {
			t.Errorf("set %d not closed", i)
		}
	}
}

func TestDirectoryLookupWhenHashedSetIsDown(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	name := f.name(root, 1, "d")
	dir := f.mkdir(root, name)
	f.vols[1].Fail("lookup", syscall.ENOTCONN)
	e, err := f.fresh().Lookup(ctx, root, name)
	if err != nil || e.Gfid != dir.Gfid {
		t.Fatalf("lookup with the hashed set down: %+v %v", e, err)
	}
	file := f.name(root, 1, "f")
	_, err = f.d.Lookup(ctx, root, file)
	wantErrno(t, err, syscall.ENOTCONN)
}

// TestStaleLocationIsForgotten: the file left the set dht remembered (as a
// rebalance will move it); an operation by gfid finds it again.
func TestStaleLocationIsForgotten(t *testing.T) {
	f := newFixture(t)
	root := fop.RootGfid
	a := f.name(root, 0, "a")
	e := f.create(root, a, "data")
	if err := f.vols[0].Unlink(ctx, root, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.vols[2].Create(ctx, root, a, syscall.O_RDWR, fop.NewInode{Gfid: e.Gfid, Mode: 0o644}); err != nil {
		t.Fatal(err)
	}
	got, err := f.d.Getattr(ctx, e.Gfid)
	if err != nil || got.Gfid != e.Gfid {
		t.Fatalf("getattr after the move: %+v, %v", got, err)
	}
	if l, _ := f.d.locs.get(e.Gfid); l.set != 2 {
		t.Fatalf("location %+v, want set 2", l)
	}
}
