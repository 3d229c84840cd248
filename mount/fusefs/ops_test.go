package fusefs

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fusefs/internal/memvol"
)

func TestFileCreateReadWrite(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "write", os.WriteFile(p, []byte("hello"), 0o640))
	got, err := os.ReadFile(p)
	must(t, "read", err)
	if string(got) != "hello" {
		t.Fatalf("read %q", got)
	}
	var st unix.Stat_t
	must(t, "stat", unix.Lstat(p, &st))
	if st.Mode != syscall.S_IFREG|0o640 || st.Size != 5 || st.Nlink != 1 {
		t.Fatalf("stat: mode %o size %d nlink %d", st.Mode, st.Size, st.Nlink)
	}
	if vol.Children(rootGfid())[0] != "f" {
		t.Fatalf("volume lacks the file: %v", vol.Children(rootGfid()))
	}

	_, err = unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, 0o600)
	wantErrno(t, "O_EXCL on an existing file", err, syscall.EEXIST)

	fd, err := unix.Open(p, unix.O_WRONLY|unix.O_TRUNC, 0)
	must(t, "O_TRUNC", err)
	unix.Close(fd)
	must(t, "stat", unix.Stat(p, &st))
	if st.Size != 0 {
		t.Fatalf("size after O_TRUNC %d", st.Size)
	}
}

func TestAppendAndDirect(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "log")
	for _, s := range []string{"one ", "two ", "three"} {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		must(t, "open O_APPEND", err)
		_, err = f.WriteString(s)
		must(t, "append", err)
		must(t, "close", f.Close())
	}
	got, _ := os.ReadFile(p)
	if string(got) != "one two three" {
		t.Fatalf("appended file %q", got)
	}

	fd, err := unix.Open(p, unix.O_RDWR|unix.O_DIRECT, 0)
	must(t, "O_DIRECT open", err)
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	n, err := unix.Pread(fd, buf, 0)
	must(t, "O_DIRECT read", err)
	if string(buf[:n]) != "one two three" {
		t.Fatalf("O_DIRECT read %q", buf[:n])
	}
}

// Reads and writes reach the volume in requests of up to 1 MiB, not 4 or
// 128 KiB.
func TestLargeRequests(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "big")
	data := bytes.Repeat([]byte("0123456789abcdef"), 8<<20/16) // 8 MiB
	f, err := os.Create(p)
	must(t, "create", err)
	_, err = f.Write(data)
	must(t, "write", err)
	must(t, "close", f.Close())
	if w := vol.Calls("Write"); w > 16 {
		t.Errorf("8 MiB written in %d volume writes", w)
	}
	got, err := os.ReadFile(p)
	must(t, "read", err)
	if !bytes.Equal(got, data) {
		t.Fatal("read back differs")
	}
	if r := vol.Calls("Read"); r > 16 {
		t.Errorf("8 MiB read in %d volume reads", r)
	}
}

func TestDirectories(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	d := filepath.Join(dir, "d")
	must(t, "mkdir", os.Mkdir(d, 0o750))
	wantErrno(t, "mkdir again", os.Mkdir(d, 0o750), syscall.EEXIST)
	must(t, "create inside", os.WriteFile(filepath.Join(d, "x"), nil, 0o600))
	wantErrno(t, "rmdir non-empty", unix.Rmdir(d), syscall.ENOTEMPTY)
	wantErrno(t, "unlink a directory", unix.Unlink(d), syscall.EISDIR)
	wantErrno(t, "rmdir a file", unix.Rmdir(filepath.Join(d, "x")), syscall.ENOTDIR)
	var st unix.Stat_t
	must(t, "stat", unix.Stat(d, &st))
	if st.Mode != syscall.S_IFDIR|0o750 || st.Nlink != 2 {
		t.Fatalf("dir mode %o nlink %d", st.Mode, st.Nlink)
	}
	must(t, "unlink", unix.Unlink(filepath.Join(d, "x")))
	must(t, "rmdir", unix.Rmdir(d))
	wantErrno(t, "stat removed", unix.Stat(d, &st), syscall.ENOENT)
}

func TestRename(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	must(t, "a", os.WriteFile(a, []byte("A"), 0o644))
	must(t, "b", os.WriteFile(b, []byte("B"), 0o644))

	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE)
	wantErrno(t, "RENAME_NOREPLACE over b", err, syscall.EEXIST)

	must(t, "RENAME_EXCHANGE", unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE))
	if got, _ := os.ReadFile(a); string(got) != "B" {
		t.Fatalf("after exchange a holds %q", got)
	}

	must(t, "rename over", os.Rename(a, b))
	if got, _ := os.ReadFile(b); string(got) != "B" {
		t.Fatalf("after rename b holds %q", got)
	}
	var st unix.Stat_t
	wantErrno(t, "old name", unix.Stat(a, &st), syscall.ENOENT)

	sub := filepath.Join(dir, "sub")
	must(t, "mkdir", os.Mkdir(sub, 0o755))
	must(t, "rename into sub", os.Rename(b, filepath.Join(sub, "c")))
	wantErrno(t, "dir into itself", os.Rename(sub, filepath.Join(sub, "in")), syscall.EINVAL)
}

func TestLinksAndSymlinks(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	f := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(f, []byte("data"), 0o644))
	must(t, "link", os.Link(f, filepath.Join(dir, "g")))
	var st, st2 unix.Stat_t
	must(t, "stat", unix.Stat(f, &st))
	must(t, "stat link", unix.Stat(filepath.Join(dir, "g"), &st2))
	if st.Nlink != 2 || st.Ino != st2.Ino {
		t.Fatalf("nlink %d, inos %d %d", st.Nlink, st.Ino, st2.Ino)
	}

	must(t, "symlink", os.Symlink("f", filepath.Join(dir, "s")))
	target, err := os.Readlink(filepath.Join(dir, "s"))
	must(t, "readlink", err)
	if target != "f" {
		t.Fatalf("readlink %q", target)
	}
	got, err := os.ReadFile(filepath.Join(dir, "s"))
	must(t, "read through symlink", err)
	if string(got) != "data" {
		t.Fatalf("through symlink %q", got)
	}
	must(t, "lstat", unix.Lstat(filepath.Join(dir, "s"), &st))
	if st.Mode&syscall.S_IFMT != syscall.S_IFLNK || st.Size != 1 {
		t.Fatalf("symlink mode %o size %d", st.Mode, st.Size)
	}
}

func TestMknod(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	umask := uint32(unix.Umask(0))
	unix.Umask(int(umask))
	var st unix.Stat_t
	for _, c := range []struct {
		name string
		mode uint32
		dev  int
	}{
		{"fifo", syscall.S_IFIFO | 0o644, 0},
		{"sock", syscall.S_IFSOCK | 0o644, 0},
		{"null", syscall.S_IFCHR | 0o666, int(unix.Mkdev(1, 3))},
		{"blk", syscall.S_IFBLK | 0o600, int(unix.Mkdev(8, 1))},
	} {
		p := filepath.Join(dir, c.name)
		must(t, "mknod "+c.name, unix.Mknod(p, c.mode, c.dev))
		must(t, "stat "+c.name, unix.Lstat(p, &st))
		if want := c.mode &^ umask; st.Mode != want || st.Rdev != uint64(c.dev) {
			t.Errorf("%s: mode %o rdev %x, want %o %x", c.name, st.Mode, st.Rdev, want, c.dev)
		}
	}
}

func TestSetattr(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, []byte("0123456789"), 0o644))
	var st unix.Stat_t

	must(t, "chown", os.Chown(p, 1234, 5678))
	must(t, "chmod", unix.Chmod(p, 0o4751))
	must(t, "stat", unix.Stat(p, &st))
	if st.Mode != syscall.S_IFREG|0o4751 || st.Uid != 1234 || st.Gid != 5678 {
		t.Fatalf("mode %o uid %d gid %d", st.Mode, st.Uid, st.Gid)
	}
	must(t, "chown again", os.Chown(p, 1235, 5678))
	must(t, "stat", unix.Stat(p, &st))
	if st.Mode != syscall.S_IFREG|0o751 {
		t.Fatalf("chown kept the setuid bit: %o", st.Mode)
	}
	must(t, "chmod 000", os.Chmod(p, 0))
	must(t, "stat", unix.Stat(p, &st))
	if st.Mode != syscall.S_IFREG {
		t.Fatalf("chmod 000 shows %o", st.Mode)
	}

	must(t, "truncate", os.Truncate(p, 4))
	must(t, "stat", unix.Stat(p, &st))
	if st.Size != 4 {
		t.Fatalf("truncated size %d", st.Size)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, "open", err)
	must(t, "ftruncate", f.Truncate(100))
	must(t, "fstat", unix.Fstat(int(f.Fd()), &st))
	f.Close()
	if st.Size != 100 {
		t.Fatalf("ftruncated size %d", st.Size)
	}

	ts := []unix.Timespec{{Sec: 1000, Nsec: 5}, {Sec: 2000, Nsec: 7}}
	must(t, "utimens", unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, 0))
	must(t, "stat", unix.Stat(p, &st))
	if st.Atim != ts[0] || st.Mtim != ts[1] {
		t.Fatalf("times %v %v", st.Atim, st.Mtim)
	}
	omitNow := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_NOW}}
	must(t, "utimens OMIT/NOW", unix.UtimesNanoAt(unix.AT_FDCWD, p, omitNow, 0))
	must(t, "stat", unix.Stat(p, &st))
	if st.Atim != ts[0] || st.Mtim.Sec < 1_000_000_000 {
		t.Fatalf("after OMIT/NOW: atime %v mtime %v", st.Atim, st.Mtim)
	}
}

func TestStatfs(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	var st unix.Statfs_t
	must(t, "statfs", unix.Statfs(dir, &st))
	if st.Blocks != 1<<20 || st.Bfree != 1<<19 || st.Bavail != 1<<18 || st.Bsize != 4096 || st.Namelen != 255 {
		t.Fatalf("statfs %+v", st)
	}
}

func TestFallocateAndSeekHole(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	f, err := os.Create(p)
	must(t, "create", err)
	defer f.Close()
	fd := int(f.Fd())
	must(t, "fallocate", unix.Fallocate(fd, 0, 0, 8192))
	var st unix.Stat_t
	must(t, "fstat", unix.Fstat(fd, &st))
	if st.Size != 8192 {
		t.Fatalf("size after fallocate %d", st.Size)
	}
	off, err := unix.Seek(fd, 100, unix.SEEK_DATA)
	must(t, "SEEK_DATA", err)
	if off != 100 {
		t.Fatalf("SEEK_DATA %d", off)
	}
	off, err = unix.Seek(fd, 100, unix.SEEK_HOLE)
	must(t, "SEEK_HOLE", err)
	if off != 8192 {
		t.Fatalf("SEEK_HOLE %d", off)
	}
	_, err = unix.Seek(fd, 9000, unix.SEEK_DATA)
	wantErrno(t, "SEEK_DATA past the end", err, syscall.ENXIO)
	err = unix.Fallocate(fd, unix.FALLOC_FL_COLLAPSE_RANGE, 0, 4096)
	wantErrno(t, "unsupported fallocate mode", err, syscall.EOPNOTSUPP)
	must(t, "fallocate still works", unix.Fallocate(fd, unix.FALLOC_FL_KEEP_SIZE, 0, 4096))
}

func TestUnlinkedOpenFileStaysReadable(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, []byte("still here"), 0o644))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, "open", err)
	defer f.Close()
	must(t, "unlink", os.Remove(p))
	_, err = f.WriteAt([]byte("STILL"), 0)
	must(t, "write after unlink", err)
	buf := make([]byte, 10)
	_, err = f.ReadAt(buf, 0)
	must(t, "read after unlink", err)
	if string(buf) != "STILL here" {
		t.Fatalf("read %q", buf)
	}
	var st unix.Stat_t
	must(t, "fstat after unlink", unix.Fstat(int(f.Fd()), &st))
	if st.Nlink != 0 {
		t.Fatalf("nlink after unlink %d", st.Nlink)
	}
}

func TestSharedWritableMmap(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "m")
	must(t, "create", os.WriteFile(p, make([]byte, 8192), 0o644))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, "open", err)
	mem, err := unix.Mmap(int(f.Fd()), 0, 8192, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	must(t, "mmap", err)
	copy(mem[4096:], "written through the mapping")
	must(t, "msync", unix.Msync(mem, unix.MS_SYNC))
	must(t, "munmap", unix.Munmap(mem))
	must(t, "close", f.Close())

	got, err := os.ReadFile(p)
	must(t, "read", err)
	if string(got[4096:4096+27]) != "written through the mapping" {
		t.Fatalf("mapping's write not in the file: %q", got[4096:4096+27])
	}
	if vol.Calls("Write") == 0 {
		t.Fatal("no write reached the volume")
	}
}

func TestReadOnlyMount(t *testing.T) {
	o := testOptions()
	o.ReadOnly = true
	dir, vol := mountVol(t, o)
	fill(t, vol, rootGfid(), "f", 1)
	got, err := os.ReadFile(filepath.Join(dir, "f00000"))
	must(t, "read", err)
	if len(got) != 0 {
		t.Fatalf("read %q", got)
	}
	wantErrno(t, "create", os.WriteFile(filepath.Join(dir, "new"), nil, 0o644), syscall.EROFS)
	wantErrno(t, "mkdir", os.Mkdir(filepath.Join(dir, "d"), 0o755), syscall.EROFS)
	_, err = os.OpenFile(filepath.Join(dir, "f00000"), os.O_WRONLY, 0)
	wantErrno(t, "open for writing", err, syscall.EROFS)
}

func TestMountFailsOnAMissingDirectory(t *testing.T) {
	requireFuse(t)
	_, err := Mount(filepath.Join(t.TempDir(), "missing"), memvol.New(), testOptions())
	if err == nil {
		t.Fatal("mounted on a missing directory")
	}
}

// The inode table follows the kernel's: inodes the kernel forgets (here
// removed files, which it evicts at once) leave it.
func TestInodeTableFollowsForget(t *testing.T) {
	dir, _, m := mountVolState(t, testOptions())
	base := len(m.inodes.all())
	for i := 0; i < 500; i++ {
		p := filepath.Join(dir, "f"+strconv.Itoa(i))
		must(t, "create", os.WriteFile(p, nil, 0o644))
		must(t, "remove", os.Remove(p))
	}
	eventually(t, "removed inodes leave the table", func() bool { return len(m.inodes.all()) <= base+1 })

	must(t, "create", os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o644))
	must(t, "link", os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "b")))
	var sa, sb unix.Stat_t
	must(t, "stat", unix.Stat(filepath.Join(dir, "a"), &sa))
	must(t, "stat", unix.Stat(filepath.Join(dir, "b"), &sb))
	if sa.Ino != sb.Ino || len(m.inodes.all()) != base+1 {
		t.Fatalf("hard links: inos %d %d, %d nodes (base %d)", sa.Ino, sb.Ino, len(m.inodes.all()), base)
	}
}
