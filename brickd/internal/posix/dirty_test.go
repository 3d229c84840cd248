package posix

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// dirtyLinks returns the link count of the dirty index's base file.
func dirtyLinks(t *testing.T, dir string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(dir, MetaDir, dirtyBase), &st); err != nil {
		t.Fatalf("base file: %v", err)
	}
	return uint64(st.Nlink)
}

func TestDirtyIndexEntriesAreLinksToTheBase(t *testing.T) {
	dir := t.TempDir()
	b := openTestBrick(t, dir)
	g1, g2 := gfid.New(), gfid.New()
	mknodFile(t, b, "a", g1)
	mknodFile(t, b, "b", g2)
	if n := dirtyLinks(t, dir); n != 1 {
		t.Fatalf("base of an empty index has %d links, want 1", n)
	}
	id := gfid.New().String()
	for _, g := range []gfid.Gfid{g1, g2} {
		if _, err := b.Xattrop(g, []PendingDelta{{BrickID: id, Data: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	// A second mark of a dirty inode keeps its one entry.
	if _, err := b.Xattrop(g1, []PendingDelta{{BrickID: id, Metadata: 1}}); err != nil {
		t.Fatal(err)
	}
	if n := dirtyLinks(t, dir); n != 3 {
		t.Fatalf("base has %d links with two dirty inodes, want 3", n)
	}
	got, err := b.Dirty()
	if err != nil {
		t.Fatal(err)
	}
	want := []gfid.Gfid{g1, g2}
	slices.SortFunc(got, func(a, b gfid.Gfid) int { return slices.Compare(a[:], b[:]) })
	slices.SortFunc(want, func(a, b gfid.Gfid) int { return slices.Compare(a[:], b[:]) })
	if !slices.Equal(got, want) {
		t.Fatalf("dirty index %v, want %v", got, want)
	}
	// The entry stays while any counter is non-zero.
	if _, err := b.Xattrop(g1, []PendingDelta{{BrickID: id, Data: -1}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Dirty(); len(got) != 2 {
		t.Fatalf("entry dropped with a metadata mark left: %v", got)
	}
	if _, err := b.Xattrop(g1, []PendingDelta{{BrickID: id, Metadata: -1}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Dirty(); !slices.Equal(got, []gfid.Gfid{g2}) {
		t.Fatalf("dirty index %v after g1 is clean, want only g2", got)
	}
	if n := dirtyLinks(t, dir); n != 2 {
		t.Fatalf("base has %d links with one dirty inode, want 2", n)
	}
}

func TestDirtyIndexSurvivesALostBase(t *testing.T) {
	dir := t.TempDir()
	b := openTestBrick(t, dir)
	g := gfid.New()
	mknodFile(t, b, "a", g)
	if err := unix.Unlink(filepath.Join(dir, MetaDir, dirtyBase)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Xattrop(g, []PendingDelta{{BrickID: gfid.New().String(), Data: 1}}); err != nil {
		t.Fatalf("xattrop without a base file: %v", err)
	}
	if got, _ := b.Dirty(); !slices.Equal(got, []gfid.Gfid{g}) {
		t.Fatalf("dirty index %v, want %v", got, g)
	}
	if n := dirtyLinks(t, dir); n != 2 {
		t.Fatalf("new base has %d links, want 2", n)
	}
	// Reopening the brick keeps the base and its entry.
	b.Close()
	b2 := openTestBrick(t, dir)
	if got, _ := b2.Dirty(); !slices.Equal(got, []gfid.Gfid{g}) {
		t.Fatalf("dirty index after reopen %v, want %v", got, g)
	}
}
