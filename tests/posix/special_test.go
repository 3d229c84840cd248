package posix

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func specialChecks() []check {
	return []check{
		{"fifo", specialFifo},
		{"socket_mknod", specialSocketMknod},
		{"socket_bind", specialSocketBind},
		{"devices", specialDevices},
		{"mknod_errors", specialMknodErrors},
	}
}

// specialFifo: mkfifo makes a FIFO that carries data between descriptors.
func specialFifo(t *testing.T, d string) {
	p := j(d, "fifo")
	must(t, unix.Mkfifo(p, 0o640), op("mkfifo", "fifo"))
	if st := lstat(t, p); st.Mode != unix.S_IFIFO|0o640 || st.Size != 0 {
		t.Errorf("fifo: mode %#o size %d, want %#o 0", st.Mode, st.Size, unix.S_IFIFO|0o640)
	}
	r := open(t, p, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	defer closeFd(t, r)
	w := open(t, p, unix.O_WRONLY|unix.O_NONBLOCK, 0)
	defer closeFd(t, w)
	writeAll(t, w, []byte("through the pipe"))
	buf := make([]byte, 100)
	n, err := unix.Read(r, buf)
	if wantOK(t, err, op("read", "fifo")) && string(buf[:n]) != "through the pipe" {
		t.Errorf("read from fifo: %q", buf[:n])
	}
	// A fifo with no reader refuses a non-blocking writer.
	p2 := j(d, "fifo2")
	must(t, unix.Mknod(p2, unix.S_IFIFO|0o600, 0), op("mknod", "fifo2", "S_IFIFO"))
	_, err = unix.Open(p2, unix.O_WRONLY|unix.O_NONBLOCK, 0)
	wantErr(t, err, op("open", "fifo without reader", "O_WRONLY|O_NONBLOCK"), unix.ENXIO)
}

func specialSocketMknod(t *testing.T, d string) {
	p := j(d, "sock")
	must(t, unix.Mknod(p, unix.S_IFSOCK|0o600, 0), op("mknod", "sock", "S_IFSOCK"))
	if st := lstat(t, p); st.Mode != unix.S_IFSOCK|0o600 {
		t.Errorf("socket node: mode %#o, want %#o", st.Mode, unix.S_IFSOCK|0o600)
	}
	_, err := unix.Open(p, unix.O_RDONLY, 0)
	wantErr(t, err, op("open", "socket node"), unix.ENXIO)
}

// specialSocketBind: a unix socket bound on the file system accepts
// connections through its path.
func specialSocketBind(t *testing.T, d string) {
	c := spawn(t, "root child in the check's directory", nil, d)
	wantOK(t, c.do(request{Op: "bindconnect", Path: "sock"}).err(), op("bind, listen, connect", "sock"))
	if st := lstat(t, j(d, "sock")); st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		t.Errorf("bound socket: mode %#o, want a socket", st.Mode)
	}
	// Binding an existing name fails.
	wantErr(t, c.do(request{Op: "bindconnect", Path: "sock"}).err(), op("bind", "existing sock"), unix.EADDRINUSE)
}

// specialDevices: device nodes keep their major and minor numbers.
func specialDevices(t *testing.T, d string) {
	for _, c := range []struct {
		name string
		kind uint32
		dev  uint64
	}{
		{"null", unix.S_IFCHR, unix.Mkdev(1, 3)},
		{"big", unix.S_IFCHR, unix.Mkdev(4095, 1048575)},
		{"blk", unix.S_IFBLK, unix.Mkdev(8, 17)},
	} {
		p := j(d, c.name)
		if !wantOK(t, unix.Mknod(p, c.kind|0o600, int(c.dev)), op("mknod", c.name)) {
			continue
		}
		st := lstat(t, p)
		if st.Mode != c.kind|0o600 || st.Rdev != c.dev {
			t.Errorf("%s: mode %#o rdev %d:%d, want %#o %d:%d", c.name, st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev),
				c.kind|0o600, unix.Major(c.dev), unix.Minor(c.dev))
		}
	}
	// mknod can make a regular file too.
	if wantOK(t, unix.Mknod(j(d, "reg"), unix.S_IFREG|0o644, 0), op("mknod", "reg", "S_IFREG")) {
		if st := lstat(t, j(d, "reg")); st.Mode != unix.S_IFREG|0o644 || st.Size != 0 {
			t.Errorf("mknod S_IFREG: mode %#o size %d", st.Mode, st.Size)
		}
	}
}

func specialMknodErrors(t *testing.T, d string) {
	create(t, j(d, "f"), 0o644)
	wantErr(t, unix.Mknod(j(d, "f"), unix.S_IFIFO|0o644, 0), op("mknod", "existing file"), unix.EEXIST)
	wantErr(t, unix.Mknod(j(d, "missing", "p"), unix.S_IFIFO|0o644, 0), op("mknod", "missing/p"), unix.ENOENT)
	wantErr(t, unix.Mknod(j(d, "dir"), syscall.S_IFDIR|0o755, 0), op("mknod", "S_IFDIR"), unix.EPERM, unix.EINVAL)
}
