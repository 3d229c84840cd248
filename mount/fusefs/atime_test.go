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

func TestRelatimeRule(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ts := func(ago time.Duration) fop.Timespec {
		u := now.Add(-ago)
		return fop.Timespec{Sec: u.Unix(), Nsec: uint32(u.Nanosecond())}
	}
	for _, c := range []struct {
		name                string
		atime, mtime, ctime time.Duration // before now
		due                 bool
	}{
		{"atime newer than both", time.Minute, time.Hour, time.Hour, false},
		{"atime equal to mtime", time.Hour, time.Hour, 2 * time.Hour, true},
		{"atime older than mtime", time.Hour, time.Minute, 2 * time.Hour, true},
		{"atime older than ctime", time.Hour, 2 * time.Hour, time.Minute, true},
		{"atime a day old", 24 * time.Hour, 48 * time.Hour, 48 * time.Hour, true},
		{"atime almost a day old", 23 * time.Hour, 48 * time.Hour, 48 * time.Hour, false},
	} {
		var s seenTimes
		s.record(&fop.Attr{Atime: ts(c.atime), Mtime: ts(c.mtime), Ctime: ts(c.ctime)})
		if got := s.due(now); got != c.due {
			t.Errorf("%s: due %v, want %v", c.name, got, c.due)
		}
		s.accessed(now)
		if s.due(now) {
			t.Errorf("%s: still due after an access", c.name)
		}
	}
}

func TestReadsCached(t *testing.T) {
	m := newMount(memvol.New(), testOptions())
	for _, c := range []struct {
		flags, fuseFlags uint32
		want             bool
	}{
		{syscall.O_RDONLY, 0, true},
		{syscall.O_RDWR, 0, true},
		{syscall.O_WRONLY, 0, false},
		{syscall.O_RDONLY | syscall.O_NOATIME, 0, false},
		{syscall.O_RDONLY | syscall.O_DIRECT, 0, false},
		{syscall.O_RDWR | syscall.O_TRUNC, 0, false},
		{syscall.O_RDWR | syscall.O_APPEND, fopenFlags(syscall.O_APPEND), false},
	} {
		if got := m.readsCached(c.flags, c.fuseFlags); got != c.want {
			t.Errorf("flags %#o, fuse flags %#x: %v, want %v", c.flags, c.fuseFlags, got, c.want)
		}
	}
	m.noatime.Store(true)
	if m.readsCached(syscall.O_RDONLY, 0) {
		t.Error("a noatime mount emulates relatime")
	}
}

// setTimes sets p's atime and mtime to the given ages and returns its stat.
func setTimes(t *testing.T, p string, atime, mtime time.Duration) unix.Stat_t {
	t.Helper()
	now := time.Now()
	ts := []unix.Timespec{unix.NsecToTimespec(now.Add(-atime).UnixNano()), unix.NsecToTimespec(now.Add(-mtime).UnixNano())}
	must(t, "utimensat", unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, 0))
	var st unix.Stat_t
	must(t, "stat", unix.Stat(p, &st))
	return st
}

// readFile opens p with flags, reads it whole and closes it.
func readFile(t *testing.T, p string, flags int) {
	t.Helper()
	fd, err := unix.Open(p, flags, 0)
	must(t, "open", err)
	buf := make([]byte, 1<<16)
	for {
		n, err := unix.Read(fd, buf)
		must(t, "read", err)
		if n == 0 {
			break
		}
	}
	must(t, "close", unix.Close(fd))
}

func tsAfter(a, b unix.Timespec) bool { return a.Nano() > b.Nano() }

// TestAtimeOnCachedRead: a read served by the page cache moves a stale
// atime (relatime), ctime and mtime stay; a fresh atime costs no round
// trip at open.
func TestAtimeOnCachedRead(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "write", os.WriteFile(p, []byte("some data"), 0o644))
	readFile(t, p, unix.O_RDONLY) // the pages are cached now

	for _, c := range []struct {
		name         string
		atime, mtime time.Duration
	}{
		{"atime older than mtime", time.Hour, time.Minute},
		{"atime two days old", 48 * time.Hour, 72 * time.Hour},
	} {
		before := setTimes(t, p, c.atime, c.mtime)
		reads := vol.Calls("Read")
		readFile(t, p, unix.O_RDONLY)
		if vol.Calls("Read") != reads+1 {
			t.Errorf("%s: %d volume reads, want the one of the atime update", c.name, vol.Calls("Read")-reads)
		}
		var after unix.Stat_t
		must(t, "stat", unix.Stat(p, &after))
		if !tsAfter(after.Atim, before.Atim) || tsAfter(before.Ctim, after.Atim) {
			t.Errorf("%s: atime %v after a read, want the present (ctime %v)", c.name, after.Atim, before.Ctim)
		}
		if after.Ctim != before.Ctim || after.Mtim != before.Mtim {
			t.Errorf("%s: ctime %v mtime %v after a read, want %v %v", c.name, after.Ctim, after.Mtim, before.Ctim, before.Mtim)
		}
		reads = vol.Calls("Read")
		readFile(t, p, unix.O_RDONLY)
		if n := vol.Calls("Read") - reads; n != 0 {
			t.Errorf("%s: a second read of a fresh atime cost %d volume reads", c.name, n)
		}
	}

	// A read after a write through this mount moves atime again (the
	// kernel sees the new mtime at the read, drops its pages and reads
	// from the volume).
	var st unix.Stat_t
	must(t, "stat", unix.Stat(p, &st))
	fd, err := unix.Open(p, unix.O_WRONLY, 0)
	must(t, "open for writing", err)
	_, err = unix.Pwrite(fd, []byte("more"), 9)
	must(t, "write", err)
	must(t, "close", unix.Close(fd))
	readFile(t, p, unix.O_RDONLY)
	var written unix.Stat_t
	must(t, "stat", unix.Stat(p, &written))
	if !tsAfter(written.Atim, st.Atim) || tsAfter(written.Mtim, written.Atim) {
		t.Errorf("read after a write: atime %v (was %v), mtime %v: want atime moved past mtime", written.Atim, st.Atim, written.Mtim)
	}

	before := setTimes(t, p, 48*time.Hour, 72*time.Hour)
	readFile(t, p, unix.O_RDONLY|unix.O_NOATIME)
	var after unix.Stat_t
	must(t, "stat", unix.Stat(p, &after))
	if after.Atim != before.Atim {
		t.Errorf("O_NOATIME: atime %v, want %v", after.Atim, before.Atim)
	}
}

// TestNoatimeMount: MS_NOATIME is on the mount, and reads leave atime.
func TestNoatimeMount(t *testing.T) {
	opts := testOptions()
	opts.NoAtime = true
	dir, vol, m := mountVolState(t, opts)
	var sfs unix.Statfs_t
	must(t, "statfs", unix.Statfs(dir, &sfs))
	if sfs.Flags&unix.ST_NOATIME == 0 || !m.noatime.Load() {
		t.Fatalf("statfs flags %#x, noatime %v: want ST_NOATIME", sfs.Flags, m.noatime.Load())
	}
	p := filepath.Join(dir, "f")
	must(t, "write", os.WriteFile(p, []byte("x"), 0o644))
	readFile(t, p, unix.O_RDONLY)
	before := setTimes(t, p, 48*time.Hour, 72*time.Hour)
	reads := vol.Calls("Read")
	readFile(t, p, unix.O_RDONLY)
	var after unix.Stat_t
	must(t, "stat", unix.Stat(p, &after))
	if after.Atim != before.Atim || vol.Calls("Read") != reads {
		t.Errorf("noatime: atime %v (was %v), %d volume reads", after.Atim, before.Atim, vol.Calls("Read")-reads)
	}
}

// TestAtimeWithoutKernel: the node updates atime through the open file
// when it has no kernel to invalidate.
func TestAtimeWithoutKernel(t *testing.T) {
	root, vol := newTestRoot(t)
	ctx := context.Background()
	f := create(t, root, "f")
	must(t, "release", fsErr(f.Release(ctx)))
	a, err := vol.Setattr(ctx, f.n.gfid, fop.SetattrIn{Valid: fop.SetAtime, Atime: fop.Timespec{Sec: 1}})
	must(t, "setattr", err)
	f.n.times.record(&a)
	fh, _, errno := f.n.Open(ctx, syscall.O_RDONLY)
	must(t, "open", fsErr(errno))
	e, err := vol.Getattr(ctx, f.n.gfid)
	must(t, "getattr", err)
	if e.Atime.Sec <= 1 || e.Ctime != a.Ctime {
		t.Fatalf("atime %v ctime %v after open for reading, want the present and %v", e.Atime, e.Ctime, a.Ctime)
	}
	must(t, "release", fsErr(fh.(*file).Release(ctx)))
}

func fsErr(errno syscall.Errno) error {
	if errno != 0 {
		return errno
	}
	return nil
}
