package posix

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func symlinkChecks() []check {
	return []check{
		{"targets", symlinkTargets},
		{"long_target", symlinkLongTarget},
		{"errors", symlinkErrors},
		{"dangling", symlinkDangling},
		{"loops", symlinkLoops},
		{"dir_traversal", symlinkDirTraversal},
	}
}

// symlinkTargets: readlink returns the target byte for byte; lstat's size
// is its length; stat follows.
func symlinkTargets(t *testing.T, d string) {
	writeFile(t, j(d, "file"), []byte("x"))
	for i, target := range []string{
		"file", "./file", "../" + "@symlink.targets/file", d + "/file", "nowhere", "a/b/c/../../d",
		"with space", "ünïcödé", "\x01\xff\xfe", strings.Repeat("x", 255), "/", ".",
	} {
		p := j(d, fmt.Sprintf("l%d", i))
		if !wantOK(t, unix.Symlink(target, p), op("symlink", target, short(p))) {
			continue
		}
		got, err := readlink(p)
		if wantOK(t, err, op("readlink", short(p))) && got != target {
			t.Errorf("readlink: %q, want %q", got, target)
		}
		st := lstat(t, p)
		if st.Mode&unix.S_IFMT != unix.S_IFLNK || st.Size != int64(len(target)) {
			t.Errorf("lstat(symlink to %q): mode %#o size %d, want a symlink of size %d", target, st.Mode, st.Size, len(target))
		}
	}
	// The relative and absolute links reach the file.
	for _, i := range []int{0, 1, 2, 3} {
		wantContent(t, j(d, fmt.Sprintf("l%d", i)), []byte("x"))
	}
}

// symlinkLongTarget: a target of PATH_MAX-1 bytes is stored; PATH_MAX bytes
// is ENAMETOOLONG.
func symlinkLongTarget(t *testing.T, d string) {
	long := strings.Repeat("abcdefg/", 4095/8) + strings.Repeat("z", 4095%8)
	if wantOK(t, unix.Symlink(long, j(d, "long")), op("symlink", "4095-byte target", "long")) {
		got, err := readlink(j(d, "long"))
		if wantOK(t, err, op("readlink", "long")) && got != long {
			t.Errorf("readlink of a 4095-byte target: %d bytes, differs", len(got))
		}
	}
	wantErr(t, unix.Symlink(long+"z", j(d, "toolong")), op("symlink", "4096-byte target", "toolong"), unix.ENAMETOOLONG)
}

func symlinkErrors(t *testing.T, d string) {
	for _, typ := range allTypes {
		mkType(t, j(d, typ), typ)
		wantErr(t, unix.Symlink("x", j(d, typ)), op("symlink", "x", "existing "+typ), unix.EEXIST)
	}
	_, err := readlink(j(d, "regular"))
	wantErr(t, err, op("readlink", "regular file"), unix.EINVAL)
	_, err = readlink(j(d, "dir"))
	wantErr(t, err, op("readlink", "dir"), unix.EINVAL)
	_, err = readlink(j(d, "missing"))
	wantErr(t, err, op("readlink", "missing"), unix.ENOENT)
	wantErr(t, unix.Symlink("x", j(d, "missing", "l")), op("symlink", "x", "missing/l"), unix.ENOENT)
	wantErr(t, unix.Symlink("", j(d, "empty")), op("symlink", `""`, "empty"), unix.ENOENT)
}

// symlinkDangling: a dangling symlink is found by lstat, not stat; O_CREAT
// through it creates the target.
func symlinkDangling(t *testing.T, d string) {
	symlink(t, "target", j(d, "link"))
	var st unix.Stat_t
	wantErr(t, unix.Stat(j(d, "link"), &st), op("stat", "dangling link"), unix.ENOENT)
	wantOK(t, unix.Lstat(j(d, "link"), &st), op("lstat", "dangling link"))
	_, err := unix.Open(j(d, "link"), unix.O_RDONLY, 0)
	wantErr(t, err, op("open", "dangling link"), unix.ENOENT)
	fd, err := unix.Open(j(d, "link"), unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if wantOK(t, err, op("open", "dangling link", "O_CREAT")) {
		writeAll(t, fd, []byte("through"))
		closeFd(t, fd)
		wantContent(t, j(d, "target"), []byte("through"))
	}
}

// symlinkLoops: ELOOP for loops, for chains longer than the kernel follows
// (40), and for O_NOFOLLOW on a symlink; a chain of 8 works.
func symlinkLoops(t *testing.T, d string) {
	symlink(t, "b", j(d, "a"))
	symlink(t, "a", j(d, "b"))
	symlink(t, "self", j(d, "self"))
	var st unix.Stat_t
	wantErr(t, unix.Stat(j(d, "a"), &st), op("stat", "a→b→a"), unix.ELOOP)
	wantErr(t, unix.Stat(j(d, "self"), &st), op("stat", "self→self"), unix.ELOOP)
	_, err := unix.Open(j(d, "a"), unix.O_RDONLY, 0)
	wantErr(t, err, op("open", "a→b→a"), unix.ELOOP)
	_, err = unix.Open(j(d, "a"), unix.O_CREAT|unix.O_WRONLY, 0o644)
	wantErr(t, err, op("open", "a→b→a", "O_CREAT"), unix.ELOOP)
	wantErr(t, unix.Stat(j(d, "a", "x"), &st), op("stat", "a/x"), unix.ELOOP)
	wantErr(t, unix.Chmod(j(d, "a"), 0o644), op("chmod", "a→b→a"), unix.ELOOP)
	wantErr(t, unix.Mkdir(j(d, "a", "x"), 0o755), op("mkdir", "a/x"), unix.ELOOP)

	writeFile(t, j(d, "end"), []byte("end"))
	chain := func(prefix string, n int) string {
		prev := "end"
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("%s%02d", prefix, i)
			symlink(t, prev, j(d, name))
			prev = name
		}
		return prev
	}
	short8 := chain("c", 8)
	wantContent(t, j(d, short8), []byte("end"))
	long50 := chain("L", 50)
	wantErr(t, unix.Stat(j(d, long50), &st), op("stat", "a chain of 50 symlinks"), unix.ELOOP)

	symlink(t, "end", j(d, "tofile"))
	_, err = unix.Open(j(d, "tofile"), unix.O_RDONLY|unix.O_NOFOLLOW, 0)
	wantErr(t, err, op("open", "symlink", "O_NOFOLLOW"), unix.ELOOP)
	_, err = unix.Open(j(d, "a"), unix.O_RDONLY|unix.O_NOFOLLOW, 0)
	wantErr(t, err, op("open", "a→b→a", "O_NOFOLLOW"), unix.ELOOP)
	fd, err := unix.Open(j(d, "tofile"), unix.O_PATH|unix.O_NOFOLLOW, 0)
	if wantOK(t, err, op("open", "symlink", "O_PATH|O_NOFOLLOW")) {
		var fst unix.Stat_t
		if wantOK(t, unix.Fstat(fd, &fst), "fstat(O_PATH fd)") && fst.Mode&unix.S_IFMT != unix.S_IFLNK {
			t.Errorf("fstat of an O_PATH|O_NOFOLLOW descriptor of a symlink: mode %#o", fst.Mode)
		}
		unix.Close(fd)
	}
}

// symlinkDirTraversal: a path through a symlink to a directory reaches into
// it; rmdir of the symlink is ENOTDIR, unlink removes only the link.
func symlinkDirTraversal(t *testing.T, d string) {
	mkdir(t, j(d, "real"), 0o755)
	writeFile(t, j(d, "real", "f"), []byte("inside"))
	symlink(t, "real", j(d, "ln"))
	symlink(t, d+"/real", j(d, "abs"))
	wantContent(t, j(d, "ln", "f"), []byte("inside"))
	wantContent(t, j(d, "abs", "f"), []byte("inside"))
	writeFile(t, j(d, "ln", "g"), []byte("through"))
	wantContent(t, j(d, "real", "g"), []byte("through"))
	wantContentNames(t, j(d, "ln")+"/", []string{"f", "g"})
	wantErr(t, unix.Rmdir(j(d, "ln")), op("rmdir", "symlink to dir"), unix.ENOTDIR)
	wantOK(t, unix.Unlink(j(d, "ln")), op("unlink", "symlink to dir"))
	wantContent(t, j(d, "real", "f"), []byte("inside"))
}
