package fusefs

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fusefs/internal/memvol"
)

// longCaches makes the kernel trust its caches for an hour: only a
// notification can make it see a change in time.
func longCaches() Options {
	o := testOptions()
	o.EntryTimeout, o.AttrTimeout, o.NegativeTimeout = time.Hour, time.Hour, time.Hour
	return o
}

func gfidOf(t *testing.T, vol *memvol.Vol, name string) fop.Gfid {
	t.Helper()
	e, err := vol.Lookup(context.Background(), fop.RootGfid, name)
	must(t, "lookup in the volume", err)
	return e.Gfid
}

// rewrite replaces the file's content in the volume, behind the kernel.
func rewrite(t *testing.T, vol *memvol.Vol, g fop.Gfid, data string) {
	t.Helper()
	ctx := context.Background()
	f, err := vol.Open(ctx, g, syscall.O_RDWR)
	must(t, "open in the volume", err)
	_, err = f.Write(ctx, []byte(data), 0)
	must(t, "write in the volume", err)
	must(t, "release", f.Release(ctx))
}

// readString reads a small file with open and pread only: os.ReadFile
// would fstat first, and a stat after a read refreshes attributes (the
// kernel drops a file's cached atime on every read), hiding whether the
// page cache was kept.
func readString(p string) string {
	fd, err := unix.Open(p, unix.O_RDONLY, 0)
	if err != nil {
		return "error: " + err.Error()
	}
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	n, err := unix.Pread(fd, buf, 0)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(buf[:n])
}

func TestInodeEventInvalidatesDataAndAttributes(t *testing.T) {
	dir, vol := mountVol(t, longCaches())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, []byte("old content"), 0o644))
	if got := readString(p); got != "old content" {
		t.Fatalf("read %q", got)
	}
	g := gfidOf(t, vol, "f")
	rewrite(t, vol, g, "new content")
	_, err := vol.Setattr(context.Background(), g, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o600})
	must(t, "chmod in the volume", err)
	if got := readString(p); got != "old content" {
		t.Fatalf("the kernel did not cache the data (read %q): the test proves nothing", got)
	}

	vol.Emit(fop.Event{Kind: fop.EventInode, Gfid: g})
	eventually(t, "new data after the notification", func() bool { return readString(p) == "new content" })
	var st unix.Stat_t
	eventually(t, "new mode after the notification", func() bool {
		return unix.Stat(p, &st) == nil && st.Mode == syscall.S_IFREG|0o600
	})
}

func TestEntryEventInvalidatesNames(t *testing.T) {
	dir, vol := mountVol(t, longCaches())
	var st unix.Stat_t
	p := filepath.Join(dir, "later")
	wantErrno(t, "stat before", unix.Stat(p, &st), syscall.ENOENT)
	fill(t, vol, fop.RootGfid, "later", 1) // makes "later00000"
	must(t, "rename in the volume", vol.Rename(context.Background(), fop.RootGfid, "later00000", fop.RootGfid, "later", 0))
	wantErrno(t, "negative entry cached", unix.Stat(p, &st), syscall.ENOENT)

	vol.Emit(fop.Event{Kind: fop.EventEntry, Parent: fop.RootGfid, Name: "later"})
	eventually(t, "the new name after the notification", func() bool { return unix.Stat(p, &st) == nil })

	must(t, "unlink in the volume", vol.Unlink(context.Background(), fop.RootGfid, "later"))
	must(t, "positive entry cached", unix.Stat(p, &st))
	vol.Emit(fop.Event{Kind: fop.EventEntry, Parent: fop.RootGfid, Name: "later"})
	eventually(t, "the name gone after the notification", func() bool { return unix.Stat(p, &st) == syscall.ENOENT })
}

func TestOverflowInvalidatesEverything(t *testing.T) {
	dir, vol := mountVol(t, longCaches())
	must(t, "mkdir", os.Mkdir(filepath.Join(dir, "d"), 0o755))
	a, b := filepath.Join(dir, "d", "a"), filepath.Join(dir, "f")
	must(t, "a", os.WriteFile(a, []byte("a1"), 0o644))
	must(t, "f", os.WriteFile(b, []byte("f1"), 0o644))
	_ = readString(a)
	_ = readString(b)
	d := gfidOf(t, vol, "d")
	rewrite(t, vol, gfidOf(t, vol, "f"), "f2")
	must(t, "rename in the volume", vol.Rename(context.Background(), d, "a", d, "a2", 0))
	var st unix.Stat_t
	if readString(b) != "f1" || unix.Stat(a, &st) != nil {
		t.Fatal("the kernel did not cache data and names: the test proves nothing")
	}

	vol.Emit(fop.Event{Kind: fop.EventOverflow})
	eventually(t, "new data after the overflow", func() bool { return readString(b) == "f2" })
	eventually(t, "old name gone after the overflow", func() bool { return unix.Stat(a, &st) == syscall.ENOENT })
}
