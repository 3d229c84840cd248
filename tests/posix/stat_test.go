package posix

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func statChecks() []check {
	return []check{
		{"types", statTypes},
		{"inode_numbers", statInodeNumbers},
		{"lookup_errors", statLookupErrors},
		{"dot_dotdot", statDotDotdot},
		{"size_blocks", statSizeBlocks},
		{"access_root", statAccessRoot},
	}
}

// statTypes: every file type reports its type, mode, nlink, owner, size and
// device number, the same through lstat and fstat.
func statTypes(t *testing.T, d string) {
	dirSt := lstat(t, d)
	inos := map[uint64]string{}
	for _, typ := range allTypes {
		p := j(d, typ)
		mkType(t, p, typ)
		st := lstat(t, p)
		if got := typeName(st.Mode); got != typ {
			t.Errorf("lstat(%s): type %s, want %s", typ, got, typ)
		}
		wantPerm := uint32(0o644)
		switch typ {
		case "dir":
			wantPerm = 0o755
		case "symlink":
			wantPerm = 0o777
		}
		if st.Mode&0o7777 != wantPerm {
			t.Errorf("lstat(%s): mode %#o, want %#o", typ, st.Mode&0o7777, wantPerm)
		}
		wantNlink := uint64(1)
		if typ == "dir" {
			wantNlink = 2
		}
		if st.Nlink != wantNlink {
			t.Errorf("lstat(%s): nlink %d, want %d", typ, st.Nlink, wantNlink)
		}
		if st.Uid != 0 || st.Gid != dirSt.Gid {
			t.Errorf("lstat(%s): owner %d:%d, want 0:%d", typ, st.Uid, st.Gid, dirSt.Gid)
		}
		if st.Dev != dirSt.Dev {
			t.Errorf("lstat(%s): st_dev %#x, its directory's is %#x", typ, st.Dev, dirSt.Dev)
		}
		if st.Ino == 0 {
			t.Errorf("lstat(%s): st_ino 0", typ)
		}
		if other, dup := inos[st.Ino]; dup {
			t.Errorf("lstat(%s): st_ino %d is also %s's", typ, st.Ino, other)
		}
		inos[st.Ino] = typ
		if st.Blksize <= 0 {
			t.Errorf("lstat(%s): st_blksize %d", typ, st.Blksize)
		}
		switch typ {
		case "regular", "fifo", "socket":
			if st.Size != 0 {
				t.Errorf("lstat(%s): size %d, want 0", typ, st.Size)
			}
		case "symlink":
			if want := int64(len("target-of-symlink")); st.Size != want {
				t.Errorf("lstat(symlink): size %d, want the target's length %d", st.Size, want)
			}
		case "char":
			if st.Rdev != unix.Mkdev(1, 3) {
				t.Errorf("lstat(char): rdev %#x, want %#x", st.Rdev, unix.Mkdev(1, 3))
			}
		case "block":
			if st.Rdev != unix.Mkdev(7, 200) {
				t.Errorf("lstat(block): rdev %#x, want %#x", st.Rdev, unix.Mkdev(7, 200))
			}
		}
		if typ == "regular" || typ == "dir" {
			fd := open(t, p, unix.O_RDONLY, 0)
			fst := fstat(t, fd)
			closeFd(t, fd)
			if fst.Ino != st.Ino || fst.Mode != st.Mode || fst.Size != st.Size || fst.Nlink != st.Nlink {
				t.Errorf("fstat(%s) = ino %d mode %#o size %d nlink %d; lstat said ino %d mode %#o size %d nlink %d",
					typ, fst.Ino, fst.Mode, fst.Size, fst.Nlink, st.Ino, st.Mode, st.Size, st.Nlink)
			}
		}
	}
	// stat follows a symlink, lstat does not.
	create(t, j(d, "target"), 0o600)
	symlink(t, "target", j(d, "link"))
	st, lst, tst := stat(t, j(d, "link")), lstat(t, j(d, "link")), lstat(t, j(d, "target"))
	if st.Ino != tst.Ino || st.Mode != tst.Mode {
		t.Errorf("stat(link) = ino %d mode %#o, want the target's ino %d mode %#o", st.Ino, st.Mode, tst.Ino, tst.Mode)
	}
	if lst.Mode&unix.S_IFMT != unix.S_IFLNK || lst.Ino == tst.Ino {
		t.Errorf("lstat(link) = ino %d mode %#o, want a symlink of its own", lst.Ino, lst.Mode)
	}
}

// statInodeNumbers: st_ino identifies a file for its life: unchanged by
// chmod, writes, renames within and across directories, and a fresh lookup;
// distinct between files.
func statInodeNumbers(t *testing.T, d string) {
	mkdir(t, j(d, "a"), 0o755)
	mkdir(t, j(d, "b"), 0o755)
	seen := map[uint64]string{}
	const n = 40
	for i := 0; i < n; i++ {
		p := j(d, "a", fmt.Sprintf("f%d", i))
		create(t, p, 0o644)
		st := lstat(t, p)
		if other, dup := seen[st.Ino]; dup {
			t.Errorf("st_ino %d shared by %s and %s", st.Ino, short(p), other)
		}
		seen[st.Ino] = short(p)
	}
	p := j(d, "a", "f0")
	ino := lstat(t, p).Ino
	chmod(t, p, 0o600)
	writeFile(t, p, []byte("data"))
	must(t, unix.Rename(p, j(d, "a", "g0")), "rename")
	must(t, unix.Rename(j(d, "a", "g0"), j(d, "b", "h0")), "rename")
	if got := lstat(t, j(d, "b", "h0")).Ino; got != ino {
		t.Errorf("st_ino after chmod, write and two renames: %d, want %d", got, ino)
	}
	dino := lstat(t, j(d, "a")).Ino
	must(t, unix.Rename(j(d, "a"), j(d, "c")), "rename dir")
	if got := lstat(t, j(d, "c")).Ino; got != dino {
		t.Errorf("st_ino of a renamed directory: %d, want %d", got, dino)
	}
	if got := lstat(t, j(d, "c", "f1")).Ino; got == 0 || seen[got] != "a/f1" {
		t.Errorf("st_ino of a file in a renamed directory: %d (%s), want a/f1's", got, seen[got])
	}
}

// statLookupErrors: ENOENT for missing names, ENOTDIR for a file used as a
// directory (also with a trailing slash).
func statLookupErrors(t *testing.T, d string) {
	create(t, j(d, "file"), 0o644)
	var st unix.Stat_t
	wantErr(t, unix.Lstat(j(d, "missing"), &st), op("lstat", "missing"), unix.ENOENT)
	wantErr(t, unix.Lstat(j(d, "missing", "x"), &st), op("lstat", "missing/x"), unix.ENOENT)
	wantErr(t, unix.Lstat(j(d, "file")+"/x", &st), op("lstat", "file/x"), unix.ENOTDIR)
	wantErr(t, unix.Lstat(j(d, "file")+"/", &st), op("lstat", "file/"), unix.ENOTDIR)
	wantErr(t, unix.Stat(j(d, "file")+"/.", &st), op("stat", "file/."), unix.ENOTDIR)
	wantErr(t, unix.Lstat("", &st), op("lstat", `""`), unix.ENOENT)
	_, err := unix.Open(j(d, "missing"), unix.O_RDONLY, 0)
	wantErr(t, err, op("open", "missing"), unix.ENOENT)
	// A name that was looked up and missed, then created, is found.
	create(t, j(d, "missing"), 0o644)
	wantOK(t, unix.Lstat(j(d, "missing"), &st), op("lstat", "missing (after creating it)"))
	// And one removed is gone at once.
	must(t, unix.Unlink(j(d, "missing")), "unlink")
	wantErr(t, unix.Lstat(j(d, "missing"), &st), op("lstat", "missing (after unlink)"), unix.ENOENT)
}

// statDotDotdot: "." is the directory itself and ".." its parent.
func statDotDotdot(t *testing.T, d string) {
	mkdir(t, j(d, "sub"), 0o755)
	mkdir(t, j(d, "sub", "subsub"), 0o755)
	dIno, subIno := lstat(t, d).Ino, lstat(t, j(d, "sub")).Ino
	if got := lstat(t, j(d, "sub")+"/.").Ino; got != subIno {
		t.Errorf("sub/. ino %d, want %d", got, subIno)
	}
	if got := lstat(t, j(d, "sub")+"/..").Ino; got != dIno {
		t.Errorf("sub/.. ino %d, want %d", got, dIno)
	}
	if got := lstat(t, j(d, "sub", "subsub")+"/../..").Ino; got != dIno {
		t.Errorf("sub/subsub/../.. ino %d, want %d", got, dIno)
	}
}

// statSizeBlocks: st_size is the written size and st_blocks accounts for
// the data once it is on disk.
func statSizeBlocks(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, fd)
	writeAll(t, fd, pattern(1<<20, 1))
	must(t, unix.Fsync(fd), "fsync")
	st := fstat(t, fd)
	if st.Size != 1<<20 {
		t.Errorf("size %d, want %d", st.Size, 1<<20)
	}
	if st.Blocks*512 < 1<<20 || st.Blocks*512 > 2<<20 {
		t.Errorf("st_blocks %d (%d bytes) for 1 MiB of written data", st.Blocks, st.Blocks*512)
	}
	if lst := lstat(t, p); lst.Size != st.Size || lst.Blocks != st.Blocks {
		t.Errorf("lstat: size %d blocks %d; fstat: size %d blocks %d", lst.Size, lst.Blocks, st.Size, st.Blocks)
	}
}

// statAccessRoot: access(2) as root: F_OK, R_OK and W_OK succeed whatever
// the mode; X_OK needs at least one execute bit.
func statAccessRoot(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o000)
	for _, m := range []uint32{unix.F_OK, unix.R_OK, unix.W_OK, unix.R_OK | unix.W_OK} {
		wantOK(t, unix.Faccessat(unix.AT_FDCWD, p, m, 0), op("access", "f mode 0", m))
	}
	wantErr(t, unix.Faccessat(unix.AT_FDCWD, p, unix.X_OK, 0), op("access", "f mode 0", "X_OK"), unix.EACCES)
	chmod(t, p, 0o001)
	wantOK(t, unix.Faccessat(unix.AT_FDCWD, p, unix.X_OK, 0), op("access", "f mode 01", "X_OK"))
	wantErr(t, unix.Faccessat(unix.AT_FDCWD, j(d, "missing"), unix.F_OK, 0), op("access", "missing", "F_OK"), unix.ENOENT)
}
