package posix

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

func openTestBrick(t *testing.T, path string) *Brick {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (trusted.* xattrs, chown)")
	}
	b, err := Open(path, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// gfidIn returns a new gfid whose handle lies in the directory xx/yy.
func gfidIn(xx, yy byte) gfid.Gfid {
	g := gfid.New()
	g[0], g[1] = xx, yy
	return g
}

func mknodFile(t *testing.T, b *Brick, name string, g gfid.Gfid) {
	t.Helper()
	if _, err := b.Mknod(gfid.Root, name, NewInode{Gfid: g, Mode: unix.S_IFREG | 0o644}); err != nil {
		t.Fatalf("mknod %s: %v", name, err)
	}
}

// TestHandleDirsKnown: handle directories are made on demand, known after
// the brick is opened again, and made again when removed behind the
// brick's back.
func TestHandleDirsKnown(t *testing.T) {
	path := t.TempDir()
	b := openTestBrick(t, path)
	g := gfidIn(0xab, 0xcd)
	if b.fan.has(g) {
		t.Fatal("a new brick knows ab/cd")
	}
	mknodFile(t, b, "f1", g)
	if !b.fan.has(g) || !testBit(b.fan.top[:], 0xab) {
		t.Fatal("ab/cd not known after it was made")
	}
	b.Close()
	b = openTestBrick(t, path)
	if !b.fan.has(g) || b.fan.has(gfidIn(0xab, 0xce)) || b.fan.has(gfidIn(0xac, 0xcd)) {
		t.Fatal("reopened brick: ab/cd not known, or others known")
	}
	// Behind the brick's back: ab/cd emptied and removed.
	if _, err := b.Unlink(gfid.Root, "f1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(path, MetaDir, "handles", "ab", "cd")); err != nil {
		t.Fatal(err)
	}
	g2 := gfidIn(0xab, 0xcd)
	mknodFile(t, b, "f2", g2)
	if in, err := b.Resolve(g2); err != nil {
		t.Fatalf("resolve after the handle directory was made again: %v", err)
	} else {
		in.Close()
	}
}

// TestParkedGfidInUse: the gfid of an inode unlinked while open names no
// new inode until its last close.
func TestParkedGfidInUse(t *testing.T) {
	b := openTestBrick(t, t.TempDir())
	g := gfid.New()
	f, _, made, err := b.Create(gfid.Root, "f", unix.O_RDWR|unix.O_EXCL, NewInode{Gfid: g, Mode: 0o644})
	if err != nil || !made {
		t.Fatalf("create: %v %v", made, err)
	}
	if _, err := b.Unlink(gfid.Root, "f"); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = b.Create(gfid.Root, "g", unix.O_RDWR, NewInode{Gfid: g, Mode: 0o644})
	if !errors.Is(err, errGfidInUse) {
		t.Fatalf("create with a parked gfid: %v", err)
	}
	if _, err := b.Mkdir(gfid.Root, "d", NewInode{Gfid: g, Mode: 0o755}); !errors.Is(err, errGfidInUse) {
		t.Fatalf("mkdir with a parked gfid: %v", err)
	}
	if _, err := f.WriteAt([]byte("x"), 0); err != nil {
		t.Fatalf("write to the unlinked open file: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	mknodFile(t, b, "g", g)
}

// TestCreateOpenModes: a new file opened with flags behaves as if opened
// with them, whether its own fd is kept (O_WRONLY, O_RDWR) or it is
// reopened (O_RDONLY, O_APPEND, O_SYNC).
func TestCreateOpenModes(t *testing.T) {
	b := openTestBrick(t, t.TempDir())
	for i, c := range []struct {
		flags             int
		canRead, canWrite bool
	}{
		{unix.O_WRONLY, false, true},
		{unix.O_RDWR, true, true},
		{unix.O_RDONLY, true, false},
		{unix.O_WRONLY | unix.O_APPEND, false, true},
		{unix.O_RDWR | unix.O_SYNC, true, true},
	} {
		f, a, made, err := b.Create(gfid.Root, "f"+string(rune('0'+i)), c.flags|unix.O_EXCL, NewInode{Gfid: gfid.New(), Mode: 0o640, Uid: 7, Gid: 8})
		if err != nil || !made || a.Stat.Uid != 7 || a.Stat.Gid != 8 || a.Stat.Mode != unix.S_IFREG|0o640 || a.Nlink != 1 {
			t.Fatalf("create %#o: %v %+v %v", c.flags, made, a, err)
		}
		_, rerr := f.ReadAt(make([]byte, 1), 0)
		_, werr := f.WriteAt([]byte("ab"), 5)
		if (rerr == nil) != c.canRead || (werr == nil) != c.canWrite {
			t.Errorf("flags %#o: read %v, write %v", c.flags, rerr, werr)
		}
		if a, err := f.Stat(); c.flags&unix.O_APPEND != 0 && (err != nil || a.Stat.Size != 2) {
			t.Errorf("O_APPEND: size %d, %v (the offset must be ignored)", a.Stat.Size, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
