package posix

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func attrChecks() []check {
	return []check{
		{"chmod", attrChmod},
		{"chown", attrChown},
		{"chown_clears_setid", attrChownClearsSetid},
		{"truncate", attrTruncate},
		{"truncate_errors", attrTruncateErrors},
		{"utimens", attrUtimens},
		{"utimens_now_omit", attrUtimensNowOmit},
		{"utimens_symlink", attrUtimensSymlink},
		{"utimens_permissions", attrUtimensPermissions},
	}
}

// attrChmod: every mode bit can be set on every type but symlinks; chmod
// follows a symlink; it changes ctime and not mtime.
func attrChmod(t *testing.T, d string) {
	for _, typ := range []string{"regular", "dir", "fifo", "socket", "char", "block"} {
		p := j(d, typ)
		mkType(t, p, typ)
		for _, mode := range []uint32{0, 0o7777, 0o4711, 0o2750, 0o1777, 0o644} {
			if !wantOK(t, unix.Chmod(p, mode), op("chmod", typ, fmt.Sprintf("%#o", mode))) {
				continue
			}
			if got := lstat(t, p).Mode; got&0o7777 != mode || got&unix.S_IFMT != typeBits(typ) {
				t.Errorf("after chmod(%s, %#o): mode %#o", typ, mode, got)
			}
		}
	}
	// chmod and fchmod change ctime only.
	p := j(d, "regular")
	before := lstat(t, p)
	tick(t)
	chmod(t, p, 0o600)
	after := lstat(t, p)
	wantNewer(t, "ctime after chmod", before.Ctim, after.Ctim)
	wantSame(t, "mtime after chmod", before.Mtim, after.Mtim)
	fd := open(t, p, unix.O_RDONLY, 0)
	tick(t)
	wantOK(t, unix.Fchmod(fd, 0o640), op("fchmod", "regular", "0640"))
	if st := fstat(t, fd); st.Mode&0o7777 != 0o640 {
		t.Errorf("after fchmod 0640: mode %#o", st.Mode&0o7777)
	} else {
		wantNewer(t, "ctime after fchmod", after.Ctim, st.Ctim)
	}
	closeFd(t, fd)
	// Through a symlink: the target changes, the link does not.
	symlink(t, "regular", j(d, "link"))
	lbefore := lstat(t, j(d, "link"))
	chmod(t, j(d, "link"), 0o604)
	if got := lstat(t, p).Mode & 0o7777; got != 0o604 {
		t.Errorf("chmod through a symlink: target mode %#o, want 0604", got)
	}
	if got := lstat(t, j(d, "link")).Mode; got != lbefore.Mode {
		t.Errorf("chmod through a symlink changed the link's mode: %#o, was %#o", got, lbefore.Mode)
	}
	wantErr(t, unix.Chmod(j(d, "missing"), 0o644), op("chmod", "missing"), unix.ENOENT)
	// A failed chmod changes nothing.
	st := lstat(t, p)
	tick(t)
	unix.Chmod(j(d, "missing"), 0o644)
	wantSame(t, "ctime of another file after a failed chmod", st.Ctim, lstat(t, p).Ctim)
}

// attrChown: root sets owner and group, -1 keeps one, chown follows a
// symlink and lchown does not; ctime changes.
func attrChown(t *testing.T, d string) {
	for _, typ := range allTypes {
		p := j(d, typ)
		mkType(t, p, typ)
		before := lstat(t, p)
		tick(t)
		if !wantOK(t, unix.Lchown(p, 1000, 2000), op("lchown", typ, 1000, 2000)) {
			continue
		}
		st := lstat(t, p)
		if st.Uid != 1000 || st.Gid != 2000 {
			t.Errorf("lchown(%s, 1000, 2000): owner %d:%d", typ, st.Uid, st.Gid)
		}
		wantNewer(t, "ctime after lchown("+typ+")", before.Ctim, st.Ctim)
		wantOK(t, unix.Lchown(p, -1, 3000), op("lchown", typ, -1, 3000))
		if st := lstat(t, p); st.Uid != 1000 || st.Gid != 3000 {
			t.Errorf("lchown(%s, -1, 3000): owner %d:%d, want 1000:3000", typ, st.Uid, st.Gid)
		}
		wantOK(t, unix.Lchown(p, 4000, -1), op("lchown", typ, 4000, -1))
		if st := lstat(t, p); st.Uid != 4000 || st.Gid != 3000 {
			t.Errorf("lchown(%s, 4000, -1): owner %d:%d, want 4000:3000", typ, st.Uid, st.Gid)
		}
	}
	// chown follows the symlink.
	create(t, j(d, "target"), 0o644)
	symlink(t, "target", j(d, "link"))
	lbefore := lstat(t, j(d, "link"))
	must(t, unix.Chown(j(d, "link"), 65534, 65534), op("chown", "link"))
	if st := lstat(t, j(d, "target")); st.Uid != 65534 || st.Gid != 65534 {
		t.Errorf("chown through a symlink: target owner %d:%d, want 65534:65534", st.Uid, st.Gid)
	}
	if st := lstat(t, j(d, "link")); st.Uid != lbefore.Uid || st.Gid != lbefore.Gid {
		t.Errorf("chown through a symlink changed the link's owner to %d:%d", st.Uid, st.Gid)
	}
	fd := open(t, j(d, "target"), unix.O_RDONLY, 0)
	wantOK(t, unix.Fchown(fd, 123, 456), op("fchown", "target"))
	if st := fstat(t, fd); st.Uid != 123 || st.Gid != 456 {
		t.Errorf("fchown(123, 456): owner %d:%d", st.Uid, st.Gid)
	}
	closeFd(t, fd)
}

// attrChownClearsSetid: chown of a regular file clears set-user-ID, and
// set-group-ID when group execute is set (Linux, even for root); a
// set-group-ID bit without group execute (mandatory locking) stays.
func attrChownClearsSetid(t *testing.T, d string) {
	for _, c := range []struct{ mode, want uint32 }{
		{0o6755, 0o755},
		{0o4755, 0o755},
		{0o2755, 0o755},
		{0o2745, 0o2745},
	} {
		p := j(d, fmt.Sprintf("f%o", c.mode))
		create(t, p, 0o644)
		chmod(t, p, c.mode)
		must(t, unix.Chown(p, 65534, 65534), op("chown", short(p)))
		if got := lstat(t, p).Mode & 0o7777; got != c.want {
			t.Errorf("chown of a file with mode %#o: mode %#o, want %#o", c.mode, got, c.want)
		}
	}
	// Directories keep their bits.
	mkdir(t, j(d, "dir"), 0o755)
	chmod(t, j(d, "dir"), 0o2755)
	chown(t, j(d, "dir"), 65534, 65534)
	if got := lstat(t, j(d, "dir")).Mode & 0o7777; got != 0o2755 {
		t.Errorf("chown of a directory with mode 02755: mode %#o, want 02755", got)
	}
}

// attrTruncate: growing fills with zeros (also over data cut before),
// shrinking keeps the prefix; mtime and ctime change.
func attrTruncate(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("abcdefghij"))
	before := lstat(t, p)
	tick(t)
	must(t, unix.Truncate(p, 4), op("truncate", "f", 4))
	after := lstat(t, p)
	if after.Size != 4 {
		t.Errorf("size after truncate(4): %d", after.Size)
	}
	wantNewer(t, "mtime after truncate", before.Mtim, after.Mtim)
	wantNewer(t, "ctime after truncate", before.Ctim, after.Ctim)
	wantContent(t, p, []byte("abcd"))
	// Growing again must not bring back the bytes cut off.
	must(t, unix.Truncate(p, 10), op("truncate", "f", 10))
	wantContent(t, p, []byte("abcd\x00\x00\x00\x00\x00\x00"))
	// ftruncate, also past a page and back, on an open descriptor that has
	// read the data (a cache must not serve stale bytes).
	fd := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, fd)
	pwriteAll(t, fd, bytes.Repeat([]byte{'x'}, 100000), 0)
	_ = preadFull(t, fd, 100000, 0)
	must(t, unix.Ftruncate(fd, 5000), op("ftruncate", "f", 5000))
	must(t, unix.Ftruncate(fd, 100000), op("ftruncate", "f", 100000))
	got := preadFull(t, fd, 100001, 0)
	want := append(bytes.Repeat([]byte{'x'}, 5000), make([]byte, 95000)...)
	if !bytes.Equal(got, want) {
		t.Errorf("after ftruncate 100000→5000→100000: %s", diffBytes(got, want))
	}
	// Truncating to the same size succeeds.
	wantOK(t, unix.Ftruncate(fd, 100000), op("ftruncate", "f", "same size"))
	if st := fstat(t, fd); st.Size != 100000 {
		t.Errorf("size %d, want 100000", st.Size)
	}
	// Truncate to zero and write at the start.
	must(t, unix.Ftruncate(fd, 0), op("ftruncate", "f", 0))
	pwriteAll(t, fd, []byte("z"), 0)
	wantContent(t, p, []byte("z"))
}

func attrTruncateErrors(t *testing.T, d string) {
	mkdir(t, j(d, "dir"), 0o755)
	create(t, j(d, "f"), 0o644)
	wantErr(t, unix.Truncate(j(d, "dir"), 0), op("truncate", "dir"), unix.EISDIR)
	wantErr(t, unix.Truncate(j(d, "f"), -1), op("truncate", "f", -1), unix.EINVAL)
	wantErr(t, unix.Truncate(j(d, "missing"), 0), op("truncate", "missing"), unix.ENOENT)
	wantErr(t, unix.Truncate(j(d, "f"), 1<<62), op("truncate", "f", "2^62"), unix.EFBIG, unix.EINVAL)
	wantErr(t, unix.Truncate(j(d, "f", "x"), 0), op("truncate", "f/x"), unix.ENOTDIR)
	fd := open(t, j(d, "f"), unix.O_RDONLY, 0)
	defer closeFd(t, fd)
	wantErr(t, unix.Ftruncate(fd, 0), op("ftruncate", "read-only fd"), unix.EINVAL, unix.EBADF)
}

// attrUtimens: explicit times are stored to the nanosecond, in any order,
// past 2038 and 2106; ctime moves to now.
func attrUtimens(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	for _, c := range []struct{ atime, mtime unix.Timespec }{
		{unix.Timespec{Sec: 100000000, Nsec: 100000000}, unix.Timespec{Sec: 200000000, Nsec: 200000000}},
		{unix.Timespec{Sec: 1700000000, Nsec: 123456789}, unix.Timespec{Sec: 1000000000, Nsec: 999999999}},
		{unix.Timespec{Sec: 1 << 31}, unix.Timespec{Sec: 1 << 32}},
		{unix.Timespec{Sec: 0}, unix.Timespec{Sec: 1}},
	} {
		before := lstat(t, p)
		tick(t)
		call := op("utimensat", "f", tsString(c.atime), tsString(c.mtime))
		if !wantOK(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{c.atime, c.mtime}, 0), call) {
			continue
		}
		st := lstat(t, p)
		if st.Atim != c.atime || st.Mtim != c.mtime {
			t.Errorf("%s: atime %d.%09d mtime %d.%09d", call, st.Atim.Sec, st.Atim.Nsec, st.Mtim.Sec, st.Mtim.Nsec)
		}
		wantNewer(t, "ctime after "+call, before.Ctim, st.Ctim)
	}
	// futimens and directories.
	mkdir(t, j(d, "dir"), 0o755)
	fd := open(t, j(d, "dir"), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	ts := []unix.Timespec{{Sec: 1234567890, Nsec: 5}, {Sec: 1234567891, Nsec: 6}}
	if wantOK(t, unix.UtimesNanoAt(fd, "", ts, unix.AT_EMPTY_PATH), op("futimens", "dir")) {
		if st := lstat(t, j(d, "dir")); st.Atim != ts[0] || st.Mtim != ts[1] {
			t.Errorf("futimens(dir): atime %v mtime %v, want %v %v", st.Atim, st.Mtim, ts[0], ts[1])
		}
	}
	closeFd(t, fd)
	wantErr(t, unix.UtimesNanoAt(unix.AT_FDCWD, j(d, "missing"), ts, 0), op("utimensat", "missing"), unix.ENOENT)
}

// attrUtimensNowOmit: UTIME_NOW sets the present time, UTIME_OMIT keeps the
// old one; both omitted changes nothing, not even ctime.
func attrUtimensNowOmit(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	old := unix.Timespec{Sec: 1000000000, Nsec: 42}
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{old, old}, 0), "utimensat")

	tick(t)
	lo := now()
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_NOW}}, 0), "utimensat(OMIT, NOW)")
	hi := now()
	st := lstat(t, p)
	if st.Atim != old {
		t.Errorf("UTIME_OMIT atime: %v, want %v", st.Atim, old)
	}
	if tsLess(st.Mtim, old) || st.Mtim == old || tsLess(hi, st.Mtim) {
		t.Errorf("UTIME_NOW mtime: %s, want between %s and %s", tsString(st.Mtim), tsString(lo), tsString(hi))
	}

	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{{Nsec: unix.UTIME_NOW}, old}, 0), "utimensat(NOW, t)")
	st = lstat(t, p)
	if st.Mtim != old || st.Atim == old || tsLess(now(), st.Atim) {
		t.Errorf("utimensat(NOW, %v): atime %s mtime %v", old, tsString(st.Atim), st.Mtim)
	}

	// Both omitted: nothing changes.
	before := lstat(t, p)
	tick(t)
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}, 0), "utimensat(OMIT, OMIT)")
	after := lstat(t, p)
	wantSame(t, "atime after utimensat(OMIT, OMIT)", before.Atim, after.Atim)
	wantSame(t, "mtime after utimensat(OMIT, OMIT)", before.Mtim, after.Mtim)
	wantSame(t, "ctime after utimensat(OMIT, OMIT)", before.Ctim, after.Ctim)

	// NULL times: both now.
	tick(t)
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, nil, 0), "utimensat(NULL)")
	st = lstat(t, p)
	if !tsLess(after.Ctim, st.Atim) || !tsLess(after.Ctim, st.Mtim) {
		t.Errorf("utimensat(NULL): atime %s mtime %s, want now (after %s)", tsString(st.Atim), tsString(st.Mtim), tsString(after.Ctim))
	}
}

// attrUtimensSymlink: AT_SYMLINK_NOFOLLOW sets the link's own times.
func attrUtimensSymlink(t *testing.T, d string) {
	create(t, j(d, "target"), 0o644)
	symlink(t, "target", j(d, "link"))
	tgt := lstat(t, j(d, "target"))
	ts := []unix.Timespec{{Sec: 1111111111, Nsec: 1}, {Sec: 1222222222, Nsec: 2}}
	if !wantOK(t, unix.UtimesNanoAt(unix.AT_FDCWD, j(d, "link"), ts, unix.AT_SYMLINK_NOFOLLOW), op("utimensat", "link", "AT_SYMLINK_NOFOLLOW")) {
		return
	}
	if st := lstat(t, j(d, "link")); st.Atim != ts[0] || st.Mtim != ts[1] {
		t.Errorf("symlink times %v %v, want %v %v", st.Atim, st.Mtim, ts[0], ts[1])
	}
	if st := lstat(t, j(d, "target")); st.Atim != tgt.Atim || st.Mtim != tgt.Mtim {
		t.Errorf("utimensat(AT_SYMLINK_NOFOLLOW) on the link changed its target's times")
	}
	// Without the flag the target changes.
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, j(d, "link"), ts, 0), "utimensat(link)")
	if st := lstat(t, j(d, "target")); st.Atim != ts[0] || st.Mtim != ts[1] {
		t.Errorf("utimensat through a symlink: target times %v %v, want %v %v", st.Atim, st.Mtim, ts[0], ts[1])
	}
}

// attrUtimensPermissions: the owner may set any time; another user with
// write permission may set only the present time (EPERM otherwise); without
// write permission, EACCES.
func attrUtimensPermissions(t *testing.T, d string) {
	for _, name := range []string{"own", "rw", "ro"} {
		create(t, j(d, name), 0o644)
	}
	chown(t, j(d, "own"), nobody, nogroup)
	chmod(t, j(d, "rw"), 0o666)
	c := asNobody(t)
	wantOK(t, c.do(request{Op: "utimens", Path: j(d, "own"), Off: 1e9}).err(), op("uid 65534: utimensat", "own file", "explicit"))
	wantOK(t, c.do(request{Op: "utimens_now", Path: j(d, "own")}).err(), op("uid 65534: utimensat", "own file", "UTIME_NOW"))
	wantOK(t, c.do(request{Op: "utimens_now", Path: j(d, "rw")}).err(), op("uid 65534: utimensat", "root's 0666 file", "UTIME_NOW"))
	wantErr(t, c.do(request{Op: "utimens", Path: j(d, "rw"), Off: 1e9}).err(), op("uid 65534: utimensat", "root's 0666 file", "explicit"), unix.EPERM)
	wantErr(t, c.do(request{Op: "utimens_now", Path: j(d, "ro")}).err(), op("uid 65534: utimensat", "root's 0644 file", "UTIME_NOW"), unix.EACCES)
	wantErr(t, c.do(request{Op: "utimens", Path: j(d, "ro"), Off: 1e9}).err(), op("uid 65534: utimensat", "root's 0644 file", "explicit"), unix.EPERM)
	if st := lstat(t, j(d, "own")); st.Mtim.Sec == 1e9 {
		t.Errorf("UTIME_NOW by the owner left mtime at the explicit time set before")
	}
}
