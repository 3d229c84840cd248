package fusefs

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fusefs/internal/memvol"
)

// TestOpenRemovedDir: an open directory removed by rmdir still answers
// fstat (nlink 0); listing it shows nothing but . and ..; the volume's
// directory is opened by opendir and released once, by the close.
func TestOpenRemovedDir(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	sub := filepath.Join(dir, "sub")
	must(t, "mkdir", os.Mkdir(sub, 0o755))
	opens, releases := vol.Calls("Opendir"), vol.Calls("Releasedir")
	fd, err := unix.Open(sub, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "open", err)
	closed := false
	defer func() {
		if !closed {
			unix.Close(fd)
		}
	}()
	if n := vol.Calls("Opendir") - opens; n != 1 {
		t.Fatalf("%d volume opendirs by open(2), want 1", n)
	}
	must(t, "rmdir", unix.Rmdir(sub))
	var st unix.Stat_t
	must(t, "fstat of the removed directory", unix.Fstat(fd, &st))
	if st.Nlink != 0 || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		t.Errorf("fstat: nlink %d mode %o, want a directory with nlink 0", st.Nlink, st.Mode)
	}
	// The kernel answers ENOENT itself for a removed directory.
	_, err = unix.Getdents(fd, make([]byte, 4096))
	wantErrno(t, "getdents of the removed directory", err, syscall.ENOENT)
	_, err = unix.Openat(fd, "x", unix.O_CREAT|unix.O_WRONLY, 0o644)
	wantErrno(t, "create in the removed directory", err, syscall.ENOENT)
	if n := vol.Calls("Releasedir") - releases; n != 0 {
		t.Fatalf("%d volume releasedirs before close", n)
	}
	closed = true
	must(t, "close", unix.Close(fd))
	eventually(t, "the volume directory released", func() bool { return vol.Calls("Releasedir")-releases == 1 })
	if n := vol.Calls("Opendir") - opens; n != 1 {
		t.Errorf("%d volume opendirs for one open, want 1", n)
	}
}

// TestOpendirOncePerOpen: listing, rewinding and listing again use the
// directory opened by opendir: one volume opendir and one release per
// open(2).
func TestOpendirOncePerOpen(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	fill(t, vol, fop.RootGfid, "f", 5)
	opens, releases := vol.Calls("Opendir"), vol.Calls("Releasedir")
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "open", err)
	first := getdents(t, fd, 4096)
	fill(t, vol, fop.RootGfid, "g", 2)
	_, err = unix.Seek(fd, 0, 0)
	must(t, "rewinddir", err)
	again := getdents(t, fd, 4096)
	must(t, "close", unix.Close(fd))
	if len(first) != 7 || len(again) != 9 {
		t.Errorf("%d then %d entries, want 7 then 9", len(first), len(again))
	}
	if n := vol.Calls("Opendir") - opens; n != 1 {
		t.Errorf("%d volume opendirs, want 1", n)
	}
	eventually(t, "the volume directory released", func() bool { return vol.Calls("Releasedir")-releases == 1 })
}

// TestOpendirFails: an error of the volume's opendir is open(2)'s.
func TestOpendirFails(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	must(t, "mkdir", os.Mkdir(filepath.Join(dir, "d"), 0o755))
	vol.Fail("Opendir", syscall.EACCES)
	_, err := unix.Open(filepath.Join(dir, "d"), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	wantErrno(t, "opendir", err, syscall.EACCES)
	vol.Fail("Opendir", nil)
	fd, err := unix.Open(filepath.Join(dir, "d"), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "opendir", err)
	must(t, "close", unix.Close(fd))
}

// TestTmpfileNotSupported: O_TMPFILE is EOPNOTSUPP, every time, and the
// mount keeps working.
func TestTmpfileNotSupported(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	for range 2 {
		_, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR, 0o600)
		wantErrno(t, "O_TMPFILE", err, syscall.EOPNOTSUPP)
	}
	must(t, "create", os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644))
}

// syncBuffer is a log destination for a mount's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestReadsNotSpliced: 1 MiB read replies are written without a splice
// attempt (which fails for replies larger than a pipe, with a warning
// per read).
func TestReadsNotSpliced(t *testing.T) {
	var logs syncBuffer
	opts := testOptions()
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if !newMount(memvol.New(), opts).mountOptions().DisableSplice {
		t.Error("splice is not disabled")
	}
	dir, vol := mountVol(t, opts)
	p := filepath.Join(dir, "big")
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	must(t, "write", os.WriteFile(p, data, 0o644))
	reads := vol.Calls("Read")
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECT, 0)
	must(t, "open", err)
	defer unix.Close(fd)
	buf := make([]byte, 1<<20)
	for off := 0; off < len(data); off += len(buf) {
		n, err := unix.Pread(fd, buf, int64(off))
		must(t, "pread", err)
		if !bytes.Equal(buf[:n], data[off:off+len(buf)]) {
			t.Fatalf("read at %d differs", off)
		}
	}
	if n := vol.Calls("Read") - reads; n < 4 {
		t.Fatalf("4 MiB read in %d volume reads: the kernel cached it", n)
	}
	if strings.Contains(logs.String(), "splice") {
		t.Errorf("the mount logged about splice:\n%s", logs.String())
	}
}
