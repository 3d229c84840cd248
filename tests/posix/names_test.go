package posix

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func nameChecks() []check {
	return []check{
		{"name_max", namesNameMax},
		{"odd_bytes", namesOddBytes},
		{"path_max", namesPathMax},
	}
}

// namesNameMax: names of 255 bytes work everywhere; 256 bytes is
// ENAMETOOLONG for every call that takes a name.
func namesNameMax(t *testing.T, d string) {
	n255 := strings.Repeat("a", 254) + "Z"
	m255 := strings.Repeat("b", 255)
	n256 := strings.Repeat("c", 256)
	p := j(d, n255)
	writeFile(t, p, []byte("long name"))
	wantContent(t, p, []byte("long name"))
	wantContentNames(t, d, []string{n255})
	wantOK(t, unix.Rename(p, j(d, m255)), op("rename", "255-byte name", "another 255-byte name"))
	wantOK(t, unix.Link(j(d, m255), p), op("link", "255-byte name", "255-byte name"))
	wantOK(t, unix.Unlink(j(d, m255)), op("unlink", "255-byte name"))
	mkdir(t, j(d, strings.Repeat("d", 255)), 0o755)
	symlink(t, n255, j(d, strings.Repeat("s", 255)))
	wantContent(t, j(d, strings.Repeat("s", 255)), []byte("long name"))
	must(t, unix.Setxattr(p, "user.x", []byte("1"), 0), "setxattr on a 255-byte name")

	q := j(d, n256)
	var st unix.Stat_t
	_, err := unix.Open(q, unix.O_CREAT|unix.O_WRONLY, 0o644)
	wantErr(t, err, op("open", "256-byte name", "O_CREAT"), unix.ENAMETOOLONG)
	wantErr(t, unix.Lstat(q, &st), op("lstat", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Mkdir(q, 0o755), op("mkdir", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Mkfifo(q, 0o644), op("mkfifo", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Symlink("x", q), op("symlink", "x", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Link(p, q), op("link", "file", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Rename(p, q), op("rename", "file", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Unlink(q), op("unlink", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Rmdir(q), op("rmdir", "256-byte name"), unix.ENAMETOOLONG)
	wantErr(t, unix.Lstat(j(d, n256, "x"), &st), op("lstat", "256-byte component in the middle"), unix.ENAMETOOLONG)
	wantContent(t, p, []byte("long name"))
}

// namesOddBytes: a name is any bytes but '/' and NUL, kept exactly.
func namesOddBytes(t *testing.T, d string) {
	names := []string{
		" ", "  two  ", "-", "--", "...", ".hidden", "..x", "x..", "new\nline", "tab\there", "back\\slash",
		"ünïcødé", "日本語のファイル", "\x01\x7f", "\xff\xfe\xfd", "emoji 🙂", "a:b", "*?[]", "$HOME", "'quote\"",
		"UPPER", "upper", "ab\xc3", "%s%n",
	}
	for _, n := range names {
		writeFile(t, j(d, n), []byte(n))
	}
	wantContentNames(t, d, names)
	for _, n := range names {
		wantContent(t, j(d, n), []byte(n))
	}
	// Case matters: UPPER and upper are two files.
	if lstat(t, j(d, "UPPER")).Ino == lstat(t, j(d, "upper")).Ino {
		t.Errorf("UPPER and upper are one file: names must be case-sensitive")
	}
}

// namesPathMax: a relative path of PATH_MAX-1 (4095) bytes, reached through
// nested directories made with *at calls, works for every call; 4096 bytes
// is ENAMETOOLONG. (On a brick the same file's full path is longer than
// PATH_MAX: a server must not resolve paths as one string.)
func namesPathMax(t *testing.T, d string) {
	base := open(t, d, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	defer closeFd(t, base)
	// 16 levels of 254-byte names: 16 * 255 = 4080 bytes with the slashes.
	var comps []string
	fd := base
	for i := 0; i < 16; i++ {
		name := strings.Repeat(string(rune('a'+i)), 254)
		must(t, unix.Mkdirat(fd, name, 0o755), op("mkdirat", i, "254-byte name"))
		next, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		must(t, err, op("openat", i))
		if fd != base {
			unix.Close(fd)
		}
		fd = next
		comps = append(comps, name)
	}
	defer unix.Close(fd)
	dirPath := strings.Join(comps, "/")
	rel := dirPath + "/" + strings.Repeat("f", 4095-len(dirPath)-1)
	if len(rel) != 4095 {
		t.Fatalf("test bug: path of %d bytes", len(rel))
	}
	ffd, err := unix.Openat(base, rel, unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o644)
	if !wantOK(t, err, op("openat", "4095-byte relative path", "O_CREAT")) {
		return
	}
	pwriteAll(t, ffd, []byte("deep"), 0)
	closeFd(t, ffd)
	var st unix.Stat_t
	if wantOK(t, unix.Fstatat(base, rel, &st, unix.AT_SYMLINK_NOFOLLOW), op("fstatat", "4095-byte path")) && st.Size != 4 {
		t.Errorf("fstatat of the 4095-byte path: size %d, want 4", st.Size)
	}
	ffd, err = unix.Openat(base, rel, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if wantOK(t, err, op("openat", "4095-byte path", "O_RDONLY")) {
		if got := preadFull(t, ffd, 10, 0); string(got) != "deep" {
			t.Errorf("read through the 4095-byte path: %q", got)
		}
		closeFd(t, ffd)
	}
	// Calls on the deepest directory by its long path.
	renamed := rel[:len(rel)-1] + "g"
	wantOK(t, unix.Renameat(base, rel, base, renamed), op("renameat", "4095-byte paths"))
	wantOK(t, unix.Linkat(base, renamed, base, rel, 0), op("linkat", "4095-byte paths"))
	wantOK(t, unix.Fchmodat(base, rel, 0o600, 0), op("fchmodat", "4095-byte path"))
	wantOK(t, unix.Fchownat(base, rel, 1, 1, 0), op("fchownat", "4095-byte path"))
	wantOK(t, unix.Setxattr("/proc/self/fd/"+strconv.Itoa(fd)+"/"+rel[len(dirPath)+1:], "user.deep", []byte("1"), 0), op("setxattr", "deepest file"))
	wantOK(t, unix.Unlinkat(base, renamed, 0), op("unlinkat", "4095-byte path"))
	sym := dirPath + "/" + strings.Repeat("s", 4095-len(dirPath)-1)
	wantOK(t, unix.Symlinkat("target", base, sym), op("symlinkat", "4095-byte path"))
	wantOK(t, unix.Mkdirat(base, dirPath+"/"+strings.Repeat("m", 4095-len(dirPath)-1), 0o755), op("mkdirat", "4095-byte path"))
	// The deepest directory lists what was made in it.
	names := []string{rel[len(dirPath)+1:], sym[len(dirPath)+1:], strings.Repeat("m", 4095-len(dirPath)-1)}
	ents := readAll(t, fd, 8192)
	wantListing(t, "the deepest directory", ents, names)

	tooLong := rel + "x"
	_, err = unix.Openat(base, tooLong, unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	wantErr(t, err, op("openat", "4096-byte path", "O_CREAT"), unix.ENAMETOOLONG)
	wantErr(t, unix.Fstatat(base, tooLong, &st, 0), op("fstatat", "4096-byte path"), unix.ENAMETOOLONG)
	wantErr(t, unix.Mkdirat(base, tooLong, 0o755), op("mkdirat", "4096-byte path"), unix.ENAMETOOLONG)
}
