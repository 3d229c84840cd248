package posix

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// errnoOf returns the errno err carries: 0 for nil, and errOther for an
// error that carries none.
func errnoOf(err error) unix.Errno {
	if err == nil {
		return 0
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return errOther
}

// errOther stands for an error without an errno.
const errOther = unix.Errno(1 << 20)

// errName names an errno the way the man pages do: "ENOENT".
func errName(e unix.Errno) string {
	switch e {
	case 0:
		return "success"
	case errOther:
		return "a non-errno error"
	}
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

func errNames(es []unix.Errno) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = errName(e)
	}
	return strings.Join(names, " or ")
}

// short trims a path to what follows the check's directory ("@group.check/").
func short(p string) string {
	if i := strings.LastIndex(p, "/@"); i >= 0 {
		if j := strings.IndexByte(p[i+2:], '/'); j >= 0 {
			return p[i+2+j+1:]
		}
		return "."
	}
	return p
}

// op formats a call for messages: op("rename", a, b) is "rename(a, b)" with
// paths shortened.
func op(name string, args ...any) string {
	s := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			if strings.HasPrefix(v, "/") {
				v = short(v)
			}
			if len(v) > 60 {
				v = fmt.Sprintf("%s…(%d bytes)", v[:24], len(v))
			}
			s[i] = v
		default:
			s[i] = fmt.Sprint(v)
		}
	}
	return name + "(" + strings.Join(s, ", ") + ")"
}

// wantErr checks that a call failed with one of the errnos in want (any of
// them is allowed by POSIX). It reports a mismatch and returns whether the
// call matched.
func wantErr(t testing.TB, err error, call string, want ...unix.Errno) bool {
	t.Helper()
	got := errnoOf(err)
	for _, w := range want {
		if got == w {
			return true
		}
	}
	if err != nil && got == errOther {
		t.Errorf("%s: got %v, want %s", call, err, errNames(want))
	} else {
		t.Errorf("%s: got %s, want %s", call, errName(got), errNames(want))
	}
	return false
}

// wantOK reports a failed call and returns whether it succeeded.
func wantOK(t testing.TB, err error, call string) bool {
	t.Helper()
	if err != nil {
		t.Errorf("%s: got %s (%v), want success", call, errName(errnoOf(err)), err)
		return false
	}
	return true
}

// must stops the check when a call it depends on fails.
func must(t testing.TB, err error, call string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %s (%v)", call, errName(errnoOf(err)), err)
	}
}

func j(elem ...string) string { return filepath.Join(elem...) }

func lstat(t testing.TB, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Lstat(p, &st), op("lstat", p))
	return st
}

func stat(t testing.TB, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Stat(p, &st), op("stat", p))
	return st
}

func fstat(t testing.TB, fd int) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Fstat(fd, &st), op("fstat", fd))
	return st
}

// lstatErr returns the errno of lstat(p).
func lstatErr(p string) error {
	var st unix.Stat_t
	return unix.Lstat(p, &st)
}

func open(t testing.TB, p string, flags int, mode uint32) int {
	t.Helper()
	fd, err := unix.Open(p, flags|unix.O_CLOEXEC, mode)
	must(t, err, op("open", p, flagString(flags), fmt.Sprintf("%#o", mode)))
	return fd
}

func closeFd(t testing.TB, fd int) {
	t.Helper()
	wantOK(t, unix.Close(fd), op("close", fd))
}

func create(t testing.TB, p string, mode uint32) {
	t.Helper()
	fd := open(t, p, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, mode)
	closeFd(t, fd)
}

func writeFile(t testing.TB, p string, data []byte) {
	t.Helper()
	fd := open(t, p, unix.O_CREAT|unix.O_TRUNC|unix.O_WRONLY, 0o644)
	defer closeFd(t, fd)
	writeAll(t, fd, data)
}

func writeAll(t testing.TB, fd int, data []byte) {
	t.Helper()
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		must(t, err, op("write", fd, len(data)))
		if n == 0 {
			t.Fatalf("write(%d, %d bytes) wrote 0", fd, len(data))
		}
		data = data[n:]
	}
}

func pwriteAll(t testing.TB, fd int, data []byte, off int64) {
	t.Helper()
	for len(data) > 0 {
		n, err := unix.Pwrite(fd, data, off)
		must(t, err, op("pwrite", fd, len(data), off))
		if n == 0 {
			t.Fatalf("pwrite(%d, %d bytes, %d) wrote 0", fd, len(data), off)
		}
		data, off = data[n:], off+int64(n)
	}
}

// preadFull reads n bytes at off, fewer only at end of file.
func preadFull(t testing.TB, fd int, n int, off int64) []byte {
	t.Helper()
	buf := make([]byte, n)
	got := 0
	for got < n {
		m, err := unix.Pread(fd, buf[got:], off+int64(got))
		must(t, err, op("pread", fd, n-got, off+int64(got)))
		if m == 0 {
			break
		}
		got += m
	}
	return buf[:got]
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	must(t, err, op("read", p))
	return data
}

// wantContent checks a file's whole content.
func wantContent(t testing.TB, p string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(p)
	if !wantOK(t, err, op("read", p)) {
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("content of %s: %s", short(p), diffBytes(got, want))
	}
}

// diffBytes describes how got differs from want.
func diffBytes(got, want []byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d bytes, want %d%s", len(got), len(want), firstDiff(got, want))
	}
	return "differs" + firstDiff(got, want)
}

func firstDiff(got, want []byte) string {
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			hi := i + 16
			return fmt.Sprintf("; first difference at byte %d: got %q, want %q", i,
				got[i:min(hi, len(got))], want[i:min(hi, len(want))])
		}
	}
	return ""
}

func mkdir(t testing.TB, p string, mode uint32) {
	t.Helper()
	must(t, unix.Mkdir(p, mode), op("mkdir", p, fmt.Sprintf("%#o", mode)))
}

func symlink(t testing.TB, target, p string) {
	t.Helper()
	must(t, unix.Symlink(target, p), op("symlink", target, p))
}

func chown(t testing.TB, p string, uid, gid int) {
	t.Helper()
	must(t, unix.Lchown(p, uid, gid), op("lchown", p, uid, gid))
}

func chmod(t testing.TB, p string, mode uint32) {
	t.Helper()
	must(t, unix.Chmod(p, mode), op("chmod", p, fmt.Sprintf("%#o", mode)))
}

// pattern returns n bytes of a deterministic, position-dependent pattern.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func flagString(flags int) string {
	names := []struct {
		f int
		n string
	}{
		{unix.O_WRONLY, "O_WRONLY"}, {unix.O_RDWR, "O_RDWR"}, {unix.O_CREAT, "O_CREAT"},
		{unix.O_EXCL, "O_EXCL"}, {unix.O_TRUNC, "O_TRUNC"}, {unix.O_APPEND, "O_APPEND"},
		{unix.O_DIRECT, "O_DIRECT"}, {unix.O_DIRECTORY, "O_DIRECTORY"}, {unix.O_NOFOLLOW, "O_NOFOLLOW"},
		{unix.O_NONBLOCK, "O_NONBLOCK"},
	}
	var s []string
	if flags&(unix.O_WRONLY|unix.O_RDWR) == 0 {
		s = append(s, "O_RDONLY")
	}
	for _, n := range names {
		if flags&n.f != 0 {
			s = append(s, n.n)
		}
	}
	return strings.Join(s, "|")
}

// Timestamps.

func tsLess(a, b unix.Timespec) bool {
	return a.Sec < b.Sec || (a.Sec == b.Sec && a.Nsec < b.Nsec)
}

func tsString(ts unix.Timespec) string {
	return time.Unix(ts.Sec, ts.Nsec).UTC().Format("2006-01-02 15:04:05.000000000")
}

func now() unix.Timespec {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_REALTIME, &ts)
	return ts
}

// tick waits until the kernel's coarse clock, which file systems stamp
// inodes with, has passed the present instant: any timestamp taken after
// tick returns is strictly later than any taken before it was called.
func tick(t testing.TB) {
	t.Helper()
	start := now()
	deadline := time.Now().Add(2 * time.Second)
	for {
		var c unix.Timespec
		_ = unix.ClockGettime(unix.CLOCK_REALTIME_COARSE, &c)
		if tsLess(start, c) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("CLOCK_REALTIME_COARSE did not advance in 2s")
		}
		time.Sleep(time.Millisecond)
	}
}

// wantNewer checks that a timestamp moved forward.
func wantNewer(t testing.TB, what string, before, after unix.Timespec) {
	t.Helper()
	if !tsLess(before, after) {
		t.Errorf("%s: %s, want later than %s", what, tsString(after), tsString(before))
	}
}

// wantSame checks that a timestamp did not change.
func wantSame(t testing.TB, what string, before, after unix.Timespec) {
	t.Helper()
	if before != after {
		t.Errorf("%s changed: %s, was %s", what, tsString(after), tsString(before))
	}
}

// File types the checks loop over, as pjdfstest does.
var allTypes = []string{"regular", "dir", "fifo", "socket", "char", "block", "symlink"}
var nonDirTypes = []string{"regular", "fifo", "socket", "char", "block", "symlink"}

// mkType creates a file of the given type at p, mode 0644 (dirs 0755).
func mkType(t testing.TB, p, typ string) {
	t.Helper()
	var err error
	switch typ {
	case "regular":
		var fd int
		fd, err = unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
		if err == nil {
			unix.Close(fd)
		}
	case "dir":
		err = unix.Mkdir(p, 0o755)
	case "fifo":
		err = unix.Mkfifo(p, 0o644)
	case "socket":
		err = unix.Mknod(p, unix.S_IFSOCK|0o644, 0)
	case "char":
		err = unix.Mknod(p, unix.S_IFCHR|0o644, int(unix.Mkdev(1, 3)))
	case "block":
		err = unix.Mknod(p, unix.S_IFBLK|0o644, int(unix.Mkdev(7, 200)))
	case "symlink":
		err = unix.Symlink("target-of-"+filepath.Base(p), p)
	default:
		t.Fatalf("mkType: unknown type %q", typ)
	}
	must(t, err, op("create "+typ, p))
}

// rmType removes what mkType made.
func rmType(t testing.TB, p, typ string) {
	t.Helper()
	if typ == "dir" {
		wantOK(t, unix.Rmdir(p), op("rmdir", p))
	} else {
		wantOK(t, unix.Unlink(p), op("unlink", p))
	}
}

// typeBits is the S_IFMT of a type name.
func typeBits(typ string) uint32 {
	return map[string]uint32{
		"regular": unix.S_IFREG, "dir": unix.S_IFDIR, "fifo": unix.S_IFIFO, "socket": unix.S_IFSOCK,
		"char": unix.S_IFCHR, "block": unix.S_IFBLK, "symlink": unix.S_IFLNK,
	}[typ]
}

func typeName(mode uint32) string {
	for _, typ := range allTypes {
		if mode&unix.S_IFMT == typeBits(typ) {
			return typ
		}
	}
	return fmt.Sprintf("type %#o", mode&unix.S_IFMT)
}

// within polls check until it returns nil or bound passes, and reports the
// last error then. It is for what the kernel does asynchronously on FUSE
// (a killed process's unlock, a flock released by close) and for what
// another client must see "at once".
func within(t testing.TB, bound time.Duration, what string, check func() error) bool {
	t.Helper()
	start := time.Now()
	var err error
	for {
		if err = check(); err == nil {
			return true
		}
		if time.Since(start) > bound {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if e := errnoOf(err); e != errOther {
		t.Errorf("%s: still %s after %v", what, errName(e), bound)
	} else {
		t.Errorf("%s: not within %v: %v", what, bound, err)
	}
	return false
}
