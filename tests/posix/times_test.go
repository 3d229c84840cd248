package posix

import (
	"testing"

	"golang.org/x/sys/unix"
)

func timesChecks() []check {
	return []check{
		{"create", timesCreate},
		{"write", timesWrite},
		{"truncate", timesTruncate},
		{"chmod_chown", timesChmodChown},
		{"link_unlink", timesLinkUnlink},
		{"rename", timesRename},
		{"mkdir_rmdir_symlink", timesMkdirRmdirSymlink},
		{"read_atime", timesReadAtime},
		{"failed_ops", timesFailedOps},
	}
}

// dirTimes checks that a directory's mtime and ctime moved past before.
func wantDirTimesNewer(t testing.TB, what string, before unix.Stat_t, dir string) {
	t.Helper()
	after := lstat(t, dir)
	wantNewer(t, "parent mtime after "+what, before.Mtim, after.Mtim)
	wantNewer(t, "parent ctime after "+what, before.Ctim, after.Ctim)
}

// timesCreate: a new file's three times are the present, equal; its
// directory's mtime and ctime change.
func timesCreate(t *testing.T, d string) {
	for _, typ := range allTypes {
		parent := lstat(t, d)
		tick(t)
		lo := now()
		mkType(t, j(d, typ), typ)
		hi := now()
		st := lstat(t, j(d, typ))
		for _, x := range []struct {
			name string
			ts   unix.Timespec
		}{{"atime", st.Atim}, {"mtime", st.Mtim}, {"ctime", st.Ctim}} {
			if !tsLess(parent.Ctim, x.ts) || tsLess(hi, x.ts) {
				t.Errorf("new %s: %s %s, want the present (between %s and %s)", typ, x.name, tsString(x.ts), tsString(lo), tsString(hi))
			}
		}
		if st.Mtim != st.Ctim {
			t.Errorf("new %s: mtime %s ≠ ctime %s", typ, tsString(st.Mtim), tsString(st.Ctim))
		}
		wantDirTimesNewer(t, "creating a "+typ, parent, d)
	}
}

// timesWrite: write changes mtime and ctime, not atime; a zero-length
// write changes nothing.
func timesWrite(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("x"))
	fd := open(t, p, unix.O_WRONLY, 0)
	defer closeFd(t, fd)
	before := fstat(t, fd)
	tick(t)
	pwriteAll(t, fd, []byte("more"), 1)
	after := lstat(t, p)
	wantNewer(t, "mtime after write", before.Mtim, after.Mtim)
	wantNewer(t, "ctime after write", before.Ctim, after.Ctim)
	wantSame(t, "atime after write", before.Atim, after.Atim)
	// Overwriting in place, size unchanged.
	tick(t)
	pwriteAll(t, fd, []byte("M"), 1)
	again := lstat(t, p)
	wantNewer(t, "mtime after an overwrite", after.Mtim, again.Mtim)
	// The parent directory is not touched by a write.
	parent := lstat(t, d)
	tick(t)
	pwriteAll(t, fd, []byte("z"), 0)
	wantSame(t, "parent mtime after a write to a file in it", parent.Mtim, lstat(t, d).Mtim)
}

// timesTruncate: truncate, ftruncate and O_TRUNC change mtime and ctime.
func timesTruncate(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("0123456789"))
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"truncate(5)", func() error { return unix.Truncate(p, 5) }},
		{"truncate(1000)", func() error { return unix.Truncate(p, 1000) }},
		{"ftruncate(3)", func() error {
			fd, err := unix.Open(p, unix.O_WRONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			return unix.Ftruncate(fd, 3)
		}},
		{"open(O_TRUNC)", func() error {
			fd, err := unix.Open(p, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(fd)
			}
			return err
		}},
	} {
		before := lstat(t, p)
		tick(t)
		if !wantOK(t, c.do(), c.name) {
			continue
		}
		after := lstat(t, p)
		wantNewer(t, "mtime after "+c.name, before.Mtim, after.Mtim)
		wantNewer(t, "ctime after "+c.name, before.Ctim, after.Ctim)
	}
}

// timesChmodChown: metadata changes move ctime only.
func timesChmodChown(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("x"))
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"chmod", func() error { return unix.Chmod(p, 0o600) }},
		{"chown", func() error { return unix.Chown(p, 1000, 1000) }},
	} {
		before := lstat(t, p)
		tick(t)
		if !wantOK(t, c.do(), c.name) {
			continue
		}
		after := lstat(t, p)
		wantNewer(t, "ctime after "+c.name, before.Ctim, after.Ctim)
		wantSame(t, "mtime after "+c.name, before.Mtim, after.Mtim)
		wantSame(t, "atime after "+c.name, before.Atim, after.Atim)
	}
}

// timesLinkUnlink: link and unlink change the parent's mtime and ctime and
// the inode's ctime.
func timesLinkUnlink(t *testing.T, d string) {
	mkdir(t, j(d, "other"), 0o755)
	p := j(d, "f")
	writeFile(t, p, []byte("x"))
	inode, parent := lstat(t, p), lstat(t, j(d, "other"))
	tick(t)
	must(t, unix.Link(p, j(d, "other", "l")), "link")
	wantNewer(t, "inode ctime after link", inode.Ctim, lstat(t, p).Ctim)
	wantSame(t, "inode mtime after link", inode.Mtim, lstat(t, p).Mtim)
	wantDirTimesNewer(t, "link", parent, j(d, "other"))

	inode, parent = lstat(t, p), lstat(t, j(d, "other"))
	tick(t)
	must(t, unix.Unlink(j(d, "other", "l")), "unlink")
	wantNewer(t, "inode ctime after unlinking one of its links", inode.Ctim, lstat(t, p).Ctim)
	wantDirTimesNewer(t, "unlink", parent, j(d, "other"))
}

// timesRename: rename changes both parents' mtime and ctime.
func timesRename(t *testing.T, d string) {
	mkdir(t, j(d, "a"), 0o755)
	mkdir(t, j(d, "b"), 0o755)
	writeFile(t, j(d, "a", "f"), []byte("x"))
	a, b := lstat(t, j(d, "a")), lstat(t, j(d, "b"))
	inode := lstat(t, j(d, "a", "f"))
	tick(t)
	must(t, unix.Rename(j(d, "a", "f"), j(d, "b", "g")), "rename")
	wantDirTimesNewer(t, "renaming a file out of it", a, j(d, "a"))
	wantDirTimesNewer(t, "renaming a file into it", b, j(d, "b"))
	wantSame(t, "mtime of a renamed file", inode.Mtim, lstat(t, j(d, "b", "g")).Mtim)
	b = lstat(t, j(d, "b"))
	tick(t)
	must(t, unix.Rename(j(d, "b", "g"), j(d, "b", "h")), "rename")
	wantDirTimesNewer(t, "renaming a file within it", b, j(d, "b"))
}

// timesMkdirRmdirSymlink: the parent's mtime and ctime change.
func timesMkdirRmdirSymlink(t *testing.T, d string) {
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"mkdir", func() error { return unix.Mkdir(j(d, "sub"), 0o755) }},
		{"rmdir", func() error { return unix.Rmdir(j(d, "sub")) }},
		{"symlink", func() error { return unix.Symlink("x", j(d, "sym")) }},
		{"mknod", func() error { return unix.Mkfifo(j(d, "fifo"), 0o644) }},
		{"unlink", func() error { return unix.Unlink(j(d, "sym")) }},
	} {
		parent := lstat(t, d)
		tick(t)
		if wantOK(t, c.do(), c.name) {
			wantDirTimesNewer(t, c.name, parent, d)
		}
	}
}

// timesReadAtime: reading updates atime when it is not newer than mtime or
// is more than a day old (relatime; strictatime does more, noatime is
// not allowed); reading changes neither mtime nor ctime.
func timesReadAtime(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, pattern(10000, 1))
	for _, c := range []struct {
		name         string
		atime, mtime int64 // seconds before now
	}{
		{"atime older than mtime", 3600, 60},
		{"atime two days old", 2 * 86400, 3 * 86400},
	} {
		n := now()
		ts := []unix.Timespec{{Sec: n.Sec - c.atime}, {Sec: n.Sec - c.mtime}}
		must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, 0), "utimensat")
		before := lstat(t, p)
		tick(t)
		fd := open(t, p, unix.O_RDONLY, 0)
		if got := preadFull(t, fd, 10000, 0); len(got) != 10000 {
			t.Errorf("read %d bytes", len(got))
		}
		closeFd(t, fd)
		after := lstat(t, p)
		if !tsLess(before.Ctim, after.Atim) {
			t.Errorf("%s: atime after a read %s, want updated to the present (after %s)", c.name, tsString(after.Atim), tsString(before.Ctim))
		}
		wantSame(t, "mtime after a read", before.Mtim, after.Mtim)
	}
	// A directory listing updates a stale directory atime too.
	mkdir(t, j(d, "dir"), 0o755)
	n := now()
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, j(d, "dir"), []unix.Timespec{{Sec: n.Sec - 2*86400}, {Sec: n.Sec - 3*86400}}, 0), "utimensat")
	before := lstat(t, j(d, "dir"))
	tick(t)
	listDir(t, j(d, "dir"), 4096)
	if after := lstat(t, j(d, "dir")); !tsLess(before.Ctim, after.Atim) {
		t.Errorf("directory atime after a listing: %s, want updated (it was two days old)", tsString(after.Atim))
	}
}

// timesFailedOps: failed calls change no timestamp (pjdfstest checks this
// for every call).
func timesFailedOps(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("x"))
	mkdir(t, j(d, "sub"), 0o755)
	create(t, j(d, "sub", "keep"), 0o644)
	inode, parent, sub := lstat(t, p), lstat(t, d), lstat(t, j(d, "sub"))
	tick(t)
	unix.Mkdir(p, 0o755)                      // EEXIST
	unix.Open(p, unix.O_CREAT|unix.O_EXCL, 0) // EEXIST
	unix.Rmdir(j(d, "sub"))                   // ENOTEMPTY
	unix.Link(p, j(d, "sub", "keep"))         // EEXIST
	unix.Rename(j(d, "sub"), p)               // ENOTDIR
	unix.Unlink(j(d, "missing"))              // ENOENT
	c := asNobody(t)
	c.do(request{Op: "chmod", Path: p, Mode: 0o777})                // EPERM
	c.do(request{Op: "chown", Path: p, Uid: nobody, Gid: nogroup})  // EPERM
	c.do(request{Op: "rename", Path: p, Path2: j(d, "sub", "new")}) // EACCES
	c.do(request{Op: "utimens_now", Path: p})                       // EACCES
	for _, x := range []struct {
		name   string
		before unix.Stat_t
		path   string
	}{{"file", inode, p}, {"directory", parent, d}, {"subdirectory", sub, j(d, "sub")}} {
		after := lstat(t, x.path)
		wantSame(t, x.name+" mtime after failed calls", x.before.Mtim, after.Mtim)
		wantSame(t, x.name+" ctime after failed calls", x.before.Ctim, after.Ctim)
	}
}
