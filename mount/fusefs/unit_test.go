package fusefs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fusefs/internal/memvol"
)

// These tests drive the nodes without a kernel.

func TestToErrno(t *testing.T) {
	for _, c := range []struct {
		err   error
		want  syscall.Errno
		known bool
	}{
		{nil, 0, true},
		{syscall.ENOENT, syscall.ENOENT, true},
		{fmt.Errorf("brick b1: %w", syscall.EACCES), syscall.EACCES, true},
		{syscall.ENOSYS, syscall.EOPNOTSUPP, true},
		{fmt.Errorf("wrapped: %w", syscall.ENOSYS), syscall.EOPNOTSUPP, true},
		{syscall.Errno(0), syscall.EIO, false},
		{context.Canceled, syscall.EINTR, true},
		{context.DeadlineExceeded, syscall.ETIMEDOUT, true},
		{fs.ErrNotExist, syscall.ENOENT, true},
		{fs.ErrExist, syscall.EEXIST, true},
		{errors.New("something else"), syscall.EIO, false},
	} {
		got, known := toErrno(c.err)
		if got != c.want || known != c.known {
			t.Errorf("toErrno(%v) = %v, %v; want %v, %v", c.err, got, known, c.want, c.known)
		}
	}
}

func TestSetattrInConversion(t *testing.T) {
	now := time.Unix(1700000000, 42)
	in := &fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{
		Valid: fuse.FATTR_MODE | fuse.FATTR_SIZE | fuse.FATTR_ATIME | fuse.FATTR_ATIME_NOW |
			fuse.FATTR_MTIME | fuse.FATTR_LOCKOWNER,
		Mode: syscall.S_IFREG | 0o4755, Size: 7, Atime: 5, Mtime: 9, Mtimensec: 3,
	}}
	s := setattrIn(in, now)
	want := fop.SetattrIn{
		Valid: fop.SetMode | fop.SetSize | fop.SetAtime | fop.SetAtimeNow | fop.SetMtime,
		Mode:  0o4755, Size: 7,
		Atime: fop.Timespec{Sec: 1700000000, Nsec: 42},
		Mtime: fop.Timespec{Sec: 9, Nsec: 3},
	}
	if s != want {
		t.Fatalf("setattrIn: %+v\nwant %+v", s, want)
	}
}

func newTestRoot(t *testing.T) (*node, *memvol.Vol) {
	vol := memvol.New()
	return NewRoot(vol, testOptions()).(*node), vol
}

func create(t *testing.T, root *node, name string) *file {
	t.Helper()
	var out fuse.EntryOut
	_, fh, _, errno := root.Create(context.Background(), name, syscall.O_RDWR, 0o644, &out)
	if errno != 0 {
		t.Fatalf("create %s: %v", name, errno)
	}
	return fh.(*file)
}

func TestSetlkwInterruptedIsEINTR(t *testing.T) {
	root, _ := newTestRoot(t)
	f1, f2 := create(t, root, "f"), create(t, root, "f")
	lk := &fuse.FileLock{Start: 0, End: 1<<63 - 1, Typ: syscall.F_WRLCK, Pid: 1}
	if errno := f1.Setlk(context.Background(), 1, lk, 0); errno != 0 {
		t.Fatalf("setlk: %v", errno)
	}
	cancel := make(chan struct{})
	done := make(chan syscall.Errno)
	go func() { done <- f2.Setlkw(&fuse.Context{Cancel: cancel}, 2, lk, 0) }()
	close(cancel)
	if errno := <-done; errno != syscall.EINTR {
		t.Fatalf("interrupted setlkw: %v, want EINTR", errno)
	}
	var got fuse.FileLock
	if errno := f2.Getlk(context.Background(), 2, lk, 0, &got); errno != 0 || got.Typ != syscall.F_WRLCK || got.End != 1<<63-1 {
		t.Fatalf("getlk: %v %+v", errno, got)
	}
}

func TestFlushReleasesOnlyRecordedOwners(t *testing.T) {
	root, vol := newTestRoot(t)
	f := create(t, root, "f")
	ino := f.n.gfid.Ino()
	ctx := context.Background()
	if errno := root.m.flush(ctx, ino, 7); errno != 0 || vol.Calls("Flush") != 0 {
		t.Fatalf("flush without locks: %v, %d calls", errno, vol.Calls("Flush"))
	}
	lk := &fuse.FileLock{Start: 0, End: 10, Typ: syscall.F_RDLCK, Pid: 1}
	f.Setlk(ctx, 7, lk, 0)
	f.Setlk(ctx, 8, lk, fuse.LK_FLOCK) // flock: released with the file
	root.m.flush(ctx, ino, 8)
	root.m.flush(ctx, ino, 7)
	root.m.flush(ctx, ino, 7)
	if c := vol.Calls("Flush"); c != 1 {
		t.Fatalf("%d Flush calls, want 1", c)
	}
	f.Setlk(ctx, 9, lk, 0)
	f.Release(ctx)
	root.m.flush(ctx, ino, 9)
	if c := vol.Calls("Flush"); c != 1 || len(root.m.locks.owners) != 0 {
		t.Fatalf("after release: %d Flush calls, %d owners kept", c, len(root.m.locks.owners))
	}
}

func listAll(t *testing.T, h *dirHandle, from int) []string {
	t.Helper()
	var names []string
	for {
		de, errno := h.Readdirent(context.Background())
		if errno != 0 {
			t.Fatalf("readdirent: %v", errno)
		}
		if de == nil {
			return names
		}
		if uint64(from+len(names)+1) != de.Off {
			t.Fatalf("entry %q has offset %d at index %d", de.Name, de.Off, len(names))
		}
		names = append(names, de.Name)
	}
}

func TestSnapshotLookupAndStaleness(t *testing.T) {
	root, vol := newTestRoot(t)
	fill(t, vol, fop.RootGfid, "f", 3)
	fh, _, _ := root.OpendirHandle(context.Background(), 0)
	h := fh.(*dirHandle)
	ctx := context.Background()
	var out fuse.EntryOut
	next := func(want string) {
		t.Helper()
		de, errno := h.Readdirent(ctx)
		if errno != 0 || de == nil || de.Name != want {
			t.Fatalf("readdirent: %v %v, want %s", de, errno, want)
		}
	}
	next(".")
	next("..")
	next("f00000")
	if _, errno := h.Lookup(ctx, "f00000", &out); errno != 0 || vol.Calls("Lookup") != 0 {
		t.Fatalf("snapshot lookup: %v, %d volume lookups", errno, vol.Calls("Lookup"))
	}
	if out.Mode != syscall.S_IFREG|0o644 {
		t.Fatalf("mode from the snapshot %o", out.Mode)
	}
	vol.Emit(fop.Event{Kind: fop.EventEntry, Parent: fop.RootGfid, Name: "f00001"})
	next("f00001")
	if _, errno := h.Lookup(ctx, "f00001", &out); errno != 0 || vol.Calls("Lookup") != 1 {
		t.Fatalf("a changed entry must be looked up: %v, %d volume lookups", errno, vol.Calls("Lookup"))
	}
	must(t, "unlink in the volume", vol.Unlink(ctx, fop.RootGfid, "f00002"))
	root.Unlink(ctx, "missing") // fails, records nothing
	vol.Emit(fop.Event{Kind: fop.EventOverflow})
	next("f00002")
	if _, errno := h.Lookup(ctx, "f00002", &out); errno != syscall.ENOENT {
		t.Fatalf("lookup after overflow: %v, want ENOENT", errno)
	}
	if errno := h.Seekdir(ctx, 0); errno != 0 {
		t.Fatal(errno)
	}
	if names := listAll(t, h, 0); len(names) != 4 {
		t.Fatalf("after rewind: %v", names)
	}
	if errno := h.Seekdir(ctx, 3); errno != 0 {
		t.Fatal(errno)
	}
	if names := listAll(t, h, 3); len(names) != 1 || names[0] != "f00001" {
		t.Fatalf("after seekdir(3): %v", names)
	}
	h.Releasedir(ctx, 0)
	if root.m.changes.live.Load() != 0 {
		t.Fatal("a released snapshot is still registered")
	}
}

func TestChangeLogStaysBounded(t *testing.T) {
	var c changeLog
	snap := c.begin()
	old := fop.NewGfid()
	c.inode(old)
	for i := 0; i < 3*changeLogLimit; i++ {
		c.entry(fop.RootGfid, fmt.Sprint(i))
	}
	if n := len(c.inodes) + len(c.entries); n > changeLogLimit {
		t.Fatalf("%d changes kept", n)
	}
	if !c.stale(snap, fop.RootGfid, "x", fop.NewGfid()) {
		t.Fatal("a snapshot older than forgotten changes must be stale")
	}
	c.end(snap)
	snap = c.begin()
	if c.stale(snap, fop.RootGfid, "1", old) {
		t.Fatal("a new snapshot is stale")
	}
	c.inode(old)
	if !c.stale(snap, fop.RootGfid, "1", old) {
		t.Fatal("a changed inode is not stale")
	}
	c.end(snap)
}

func TestEventQueueOverflowNeverBlocks(t *testing.T) {
	var q eventQueue
	q.init(10)
	for i := 0; i < 1000; i++ {
		q.push(fop.Event{Kind: fop.EventInode, Gfid: fop.NewGfid()})
	}
	events, overflow := q.take()
	if !overflow || events != nil {
		t.Fatalf("overflow %v, %d events", overflow, len(events))
	}
	q.push(fop.Event{Kind: fop.EventEntry, Name: "a"})
	events, overflow = q.take()
	if overflow || len(events) != 1 {
		t.Fatalf("after the overflow: %v, %d events", overflow, len(events))
	}
}
