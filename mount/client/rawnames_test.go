package client

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// Names, symlink targets and xattr names are bytes on Linux; a Go string
// holds any bytes, and the protocol's bytes fields carry them unchanged.
const (
	rawName    = "\xff\xfe-latin1-\xe9"
	rawDir     = "dir-\xe9t\xe9"
	rawRenamed = "\xc0\xaf-renamed-\x80"
	rawTarget  = "../\xff/target-\xfe"
	rawXattr   = "user.\xff\xfe-\xe9"
)

// TestRawNamesRoundTrip drives every operation that takes or returns a
// name through a real brick server with names that are not UTF-8.
func TestRawNamesRoundTrip(t *testing.T) {
	s := startBrickServer(t)
	b := newTestBrick(t, s.addr, Options{})
	other := newTestBrick(t, s.addr, Options{})
	events := make(chan fop.Event, 100)
	other.Watch(func(ev fop.Event) { events <- ev })

	dir, err := b.Mkdir(bg, fop.RootGfid, rawDir, newInode(0o755))
	if err != nil {
		t.Fatal(err)
	}
	e, f, err := b.Create(bg, dir.Gfid, rawName, syscall.O_RDWR, newInode(0o644))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, func(ev fop.Event) bool {
		return ev.Kind == fop.EventEntry && ev.Parent == dir.Gfid && ev.Name == rawName
	})
	if got, err := b.Lookup(bg, dir.Gfid, rawName); err != nil || got.Gfid != e.Gfid {
		t.Fatalf("lookup: %+v, %v", got.Attr, err)
	}
	if _, err := os.Lstat(filepath.Join(s.dir, rawDir, rawName)); err != nil {
		t.Fatalf("not on the brick under its bytes: %v", err)
	}
	checkNames(t, b, fop.RootGfid, rawDir)
	checkNames(t, b, dir.Gfid, rawName)
	checkRawRenameLink(t, b, dir.Gfid, e.Gfid)
	checkRawSymlink(t, b, dir.Gfid)
	checkRawXattr(t, b, e.Gfid)
	if err := b.Entrylk(bg, dir.Gfid, rawName, "d", fop.LkSet, fop.LockWrite, 1); err != nil {
		t.Fatalf("entrylk: %v", err)
	}
	err = other.Entrylk(bg, dir.Gfid, rawName, "d", fop.LkSet, fop.LockWrite, 1)
	wantErrno(t, err, syscall.EAGAIN)
}

func checkRawRenameLink(t *testing.T, b *Brick, dir, g fop.Gfid) {
	t.Helper()
	if err := b.Rename(bg, dir, rawName, dir, rawRenamed, fop.RenameNoreplace); err != nil {
		t.Fatal(err)
	}
	_, err := b.Lookup(bg, dir, rawName)
	wantErrno(t, err, syscall.ENOENT)
	if e, err := b.Link(bg, g, dir, rawName); err != nil || e.Nlink != 2 {
		t.Fatalf("link: %+v, %v", e.Attr, err)
	}
	checkNames(t, b, dir, rawName, rawRenamed)
	if err := b.Unlink(bg, dir, rawRenamed); err != nil {
		t.Fatal(err)
	}
	checkNames(t, b, dir, rawName)
}

func checkRawSymlink(t *testing.T, b *Brick, dir fop.Gfid) {
	t.Helper()
	ln, err := b.Symlink(bg, dir, rawRenamed, rawTarget, newInode(0o777))
	if err != nil {
		t.Fatal(err)
	}
	if target, err := b.Readlink(bg, ln.Gfid); err != nil || target != rawTarget {
		t.Fatalf("readlink %q, %v", target, err)
	}
	if err := b.Unlink(bg, dir, rawRenamed); err != nil {
		t.Fatal(err)
	}
	// The rules of a name still hold for bytes.
	_, err = b.Mkdir(bg, dir, "\xff/\xfe", newInode(0o755))
	wantErrno(t, err, syscall.EINVAL)
	_, err = b.Mkdir(bg, dir, strings.Repeat("\xe9", 256), newInode(0o755))
	wantErrno(t, err, syscall.ENAMETOOLONG)
	if err != nil && strings.Contains(err.Error(), strings.Repeat("\xe9", 2)) {
		t.Errorf("error message carries raw bytes: %v", err)
	}
}

func checkRawXattr(t *testing.T, b *Brick, g fop.Gfid) {
	t.Helper()
	if err := b.Setxattr(bg, g, rawXattr, []byte("\xff\x00v"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Getxattr(bg, g, rawXattr); err != nil || string(v) != "\xff\x00v" {
		t.Fatalf("getxattr %q, %v", v, err)
	}
	if names, err := b.Listxattr(bg, g); err != nil || !slices.Contains(names, rawXattr) {
		t.Fatalf("listxattr %q, %v", names, err)
	}
	if err := b.Removexattr(bg, g, rawXattr); err != nil {
		t.Fatal(err)
	}
	_, err := b.Getxattr(bg, g, rawXattr)
	if !errors.Is(err, syscall.ENODATA) {
		t.Fatalf("getxattr after remove: %v", err)
	}
}
