package posix

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func openChecks() []check {
	return []check{
		{"create", openCreate},
		{"excl", openExcl},
		{"trunc", openTrunc},
		{"append", openAppend},
		{"direct", openDirect},
		{"errors", openErrors},
		{"access_mode", openAccessMode},
		{"umask", openUmask},
	}
}

// openCreate: O_CREAT makes an empty file with the requested mode; on an
// existing file it opens it as it is.
func openCreate(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_WRONLY, 0o640)
	st := fstat(t, fd)
	if st.Mode != unix.S_IFREG|0o640 || st.Size != 0 || st.Nlink != 1 {
		t.Errorf("new file: mode %#o size %d nlink %d, want %#o 0 1", st.Mode, st.Size, st.Nlink, unix.S_IFREG|0o640)
	}
	writeAll(t, fd, []byte("kept"))
	closeFd(t, fd)
	fd = open(t, p, unix.O_CREAT|unix.O_RDWR, 0o600)
	st = fstat(t, fd)
	closeFd(t, fd)
	if st.Mode&0o777 != 0o640 || st.Size != 4 {
		t.Errorf("O_CREAT on an existing file: mode %#o size %d, want it untouched (0640, 4)", st.Mode&0o777, st.Size)
	}
	// A file created without write permission can still be written through
	// the descriptor that created it.
	fd = open(t, j(d, "ro"), unix.O_CREAT|unix.O_RDWR, 0o444)
	n, err := unix.Write(fd, []byte("x"))
	if wantOK(t, err, op("write", "fd of a file created 0444")) && n != 1 {
		t.Errorf("write returned %d", n)
	}
	closeFd(t, fd)
	// creat() on a new name in a directory made a moment ago.
	mkdir(t, j(d, "sub"), 0o755)
	create(t, j(d, "sub", "g"), 0o600)
	wantContent(t, j(d, "sub", "g"), nil)
}

// openExcl: O_CREAT|O_EXCL fails with EEXIST on any existing name, even a
// symlink (dangling or not), and never follows it.
func openExcl(t *testing.T, d string) {
	for _, typ := range allTypes {
		p := j(d, typ)
		mkType(t, p, typ)
		_, err := unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, 0o644)
		wantErr(t, err, op("open", typ, "O_CREAT|O_EXCL"), unix.EEXIST)
	}
	symlink(t, "dangling-target", j(d, "dangling"))
	_, err := unix.Open(j(d, "dangling"), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, 0o644)
	wantErr(t, err, op("open", "dangling symlink", "O_CREAT|O_EXCL"), unix.EEXIST)
	wantErr(t, lstatErr(j(d, "dangling-target")), op("lstat", "dangling-target (must not be created)"), unix.ENOENT)
	// Two creators race for one name: exactly one wins.
	const n = 8
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			fd, err := unix.Open(j(d, "race"), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
			if err == nil {
				unix.Close(fd)
			}
			errs <- err
		}()
	}
	won := 0
	for i := 0; i < n; i++ {
		err := <-errs
		if err == nil {
			won++
		} else {
			wantErr(t, err, op("open", "race", "O_CREAT|O_EXCL"), unix.EEXIST)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent O_CREAT|O_EXCL opens of one name succeeded, want exactly 1", won)
	}
}

// openTrunc: O_TRUNC empties the file and changes mtime and ctime; the old
// content never reappears.
func openTrunc(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, pattern(200000, 3))
	before := lstat(t, p)
	tick(t)
	fd := open(t, p, unix.O_WRONLY|unix.O_TRUNC, 0)
	st := fstat(t, fd)
	if st.Size != 0 {
		t.Errorf("size after O_TRUNC: %d", st.Size)
	}
	wantNewer(t, "mtime after O_TRUNC", before.Mtim, st.Mtim)
	wantNewer(t, "ctime after O_TRUNC", before.Ctim, st.Ctim)
	writeAll(t, fd, []byte("new"))
	closeFd(t, fd)
	wantContent(t, p, []byte("new"))
	// O_CREAT|O_TRUNC on an existing file: same.
	fd = open(t, p, unix.O_CREAT|unix.O_TRUNC|unix.O_RDWR, 0o600)
	if st := fstat(t, fd); st.Size != 0 || st.Mode&0o777 != 0o644 {
		t.Errorf("O_CREAT|O_TRUNC on an existing file: size %d mode %#o, want 0 and the old mode 0644", st.Size, st.Mode&0o777)
	}
	closeFd(t, fd)
	wantContent(t, p, nil)
}

// openAppend: every write through O_APPEND lands at the end, whatever the
// file offset.
func openAppend(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("0123456789"))
	fd := open(t, p, unix.O_WRONLY|unix.O_APPEND, 0)
	defer closeFd(t, fd)
	writeAll(t, fd, []byte("ab"))
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		t.Fatal(err)
	}
	writeAll(t, fd, []byte("cd"))
	if off, err := unix.Seek(fd, 0, 1); err != nil || off != 14 {
		t.Errorf("offset after appending: %d (%v), want 14", off, err)
	}
	// Another descriptor extends the file; the next append goes after it.
	other := open(t, p, unix.O_WRONLY, 0)
	pwriteAll(t, other, []byte("XYZ"), 14)
	closeFd(t, other)
	writeAll(t, fd, []byte("ef"))
	wantContent(t, p, []byte("0123456789abcdXYZef"))
}

// alignedBuf returns a buffer of n bytes aligned to 4096, as O_DIRECT needs.
func alignedBuf(n int) []byte {
	buf := make([]byte, n+4096)
	off := int(-uintptr(unsafe.Pointer(&buf[0])) & 4095)
	return buf[off : off+n : off+n]
}

// openDirect: O_DIRECT reads and writes with aligned buffers, coherent with
// buffered I/O on other descriptors in both directions.
func openDirect(t *testing.T, d string) {
	p := j(d, "f")
	fd, err := unix.Open(p, unix.O_CREAT|unix.O_RDWR|unix.O_DIRECT|unix.O_CLOEXEC, 0o644)
	if !wantOK(t, err, op("open", "f", "O_CREAT|O_RDWR|O_DIRECT")) {
		return
	}
	defer closeFd(t, fd)
	data := pattern(256<<10, 7)
	buf := alignedBuf(len(data))
	copy(buf, data)
	for _, off := range []int64{0, 1 << 20} {
		n, err := unix.Pwrite(fd, buf, off)
		if !wantOK(t, err, op("pwrite", "O_DIRECT", len(buf), off)) || n != len(buf) {
			t.Fatalf("O_DIRECT pwrite at %d: %d bytes", off, n)
		}
	}
	if st := fstat(t, fd); st.Size != 1<<20+int64(len(data)) {
		t.Errorf("size after O_DIRECT writes: %d, want %d", st.Size, 1<<20+len(data))
	}
	rbuf := alignedBuf(len(data))
	for _, off := range []int64{0, 1 << 20} {
		n, err := unix.Pread(fd, rbuf, off)
		if wantOK(t, err, op("pread", "O_DIRECT", len(rbuf), off)) && !bytes.Equal(rbuf[:n], data) {
			t.Errorf("O_DIRECT read at %d: %s", off, diffBytes(rbuf[:n], data))
		}
	}
	// Buffered reader sees direct writes, including the hole between them.
	bfd := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, bfd)
	if got := preadFull(t, bfd, len(data), 0); !bytes.Equal(got, data) {
		t.Errorf("buffered read of O_DIRECT data: %s", diffBytes(got, data))
	}
	if got := preadFull(t, bfd, 4096, 512<<10); !bytes.Equal(got, make([]byte, 4096)) {
		t.Errorf("buffered read of the hole between O_DIRECT writes is not zeros")
	}
	// Direct reader sees buffered writes.
	pwriteAll(t, bfd, bytes.Repeat([]byte{'B'}, 8192), 4096)
	n, err := unix.Pread(fd, rbuf[:16384], 0)
	if wantOK(t, err, op("pread", "O_DIRECT after a buffered write")) {
		want := append(append(append([]byte{}, data[:4096]...), bytes.Repeat([]byte{'B'}, 8192)...), data[12288:16384]...)
		if !bytes.Equal(rbuf[:n], want) {
			t.Errorf("O_DIRECT read after a buffered write: %s", diffBytes(rbuf[:n], want))
		}
	}
}

// openErrors: the errno of each way open can fail.
func openErrors(t *testing.T, d string) {
	create(t, j(d, "file"), 0o644)
	mkdir(t, j(d, "dir"), 0o755)
	symlink(t, "file", j(d, "link"))
	for _, c := range []struct {
		path  string
		flags int
		want  unix.Errno
	}{
		{"dir", unix.O_WRONLY, unix.EISDIR},
		{"dir", unix.O_RDWR, unix.EISDIR},
		{"dir", unix.O_CREAT | unix.O_WRONLY, unix.EISDIR},
		{"dir", unix.O_WRONLY | unix.O_TRUNC, unix.EISDIR},
		{"file", unix.O_RDONLY | unix.O_DIRECTORY, unix.ENOTDIR},
		{"file/", unix.O_RDONLY, unix.ENOTDIR},
		{"file/x", unix.O_CREAT | unix.O_WRONLY, unix.ENOTDIR},
		{"missing", unix.O_RDONLY, unix.ENOENT},
		{"missing/x", unix.O_CREAT | unix.O_WRONLY, unix.ENOENT},
		{"link", unix.O_RDONLY | unix.O_NOFOLLOW, unix.ELOOP},
		{"link", unix.O_CREAT | unix.O_EXCL | unix.O_WRONLY, unix.EEXIST},
		{"dir", unix.O_CREAT | unix.O_EXCL | unix.O_RDONLY, unix.EEXIST},
	} {
		fd, err := unix.Open(d+"/"+c.path, c.flags|unix.O_CLOEXEC, 0o644) // not j: keep trailing slashes
		if err == nil {
			unix.Close(fd)
		}
		wantErr(t, err, op("open", c.path, flagString(c.flags)), c.want)
	}
	// Opening a directory read-only works, and reading it is EISDIR.
	fd := open(t, j(d, "dir"), unix.O_RDONLY, 0)
	_, err := unix.Read(fd, make([]byte, 10))
	wantErr(t, err, op("read", "dir fd"), unix.EISDIR)
	closeFd(t, fd)
}

// openAccessMode: a descriptor only does what its access mode allows.
func openAccessMode(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("data"))
	ro := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, ro)
	_, err := unix.Write(ro, []byte("x"))
	wantErr(t, err, op("write", "O_RDONLY fd"), unix.EBADF)
	wo := open(t, p, unix.O_WRONLY, 0)
	defer closeFd(t, wo)
	_, err = unix.Read(wo, make([]byte, 4))
	wantErr(t, err, op("read", "O_WRONLY fd"), unix.EBADF)
	rw := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, rw)
	pwriteAll(t, rw, []byte("DA"), 0)
	if got := preadFull(t, rw, 10, 0); string(got) != "DAta" {
		t.Errorf("O_RDWR read after write: %q, want %q", got, "DAta")
	}
	if got := preadFull(t, ro, 10, 0); string(got) != "DAta" {
		t.Errorf("another descriptor reads %q, want %q", got, "DAta")
	}
}

// openUmask: the process umask clears mode bits of new files, directories
// and special files.
func openUmask(t *testing.T, d string) {
	c := asRoot(t)
	for _, mask := range []uint32{0o027, 0o077, 0} {
		c.do(request{Op: "umask", Mode: mask})
		f, dd, fifo := j(d, fmt.Sprintf("f%03o", mask)), j(d, fmt.Sprintf("d%03o", mask)), j(d, fmt.Sprintf("p%03o", mask))
		r := c.do(request{Op: "open", Path: f, Flags: unix.O_CREAT | unix.O_WRONLY, Mode: 0o777})
		if wantOK(t, r.err(), op("open", short(f), "O_CREAT", "0777")) {
			c.do(request{Op: "close", Fd: r.Fd})
		}
		wantOK(t, c.do(request{Op: "mkdir", Path: dd, Mode: 0o777}).err(), op("mkdir", short(dd), "0777"))
		wantOK(t, c.do(request{Op: "mknod", Path: fifo, Mode: unix.S_IFIFO | 0o666}).err(), op("mknod fifo", short(fifo), "0666"))
		for _, x := range []struct {
			p    string
			mode uint32
		}{{f, 0o777}, {dd, 0o777}, {fifo, 0o666}} {
			if got := lstat(t, x.p).Mode & 0o7777; got != x.mode&^mask {
				t.Errorf("%s created with mode %#o under umask %#o: mode %#o, want %#o", short(x.p), x.mode, mask, got, x.mode&^mask)
			}
		}
	}
}
