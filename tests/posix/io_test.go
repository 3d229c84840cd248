package posix

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"golang.org/x/sys/unix"
)

func ioChecks() []check {
	return []check{
		{"read_write", ioReadWrite},
		{"pread_pwrite", ioPreadPwrite},
		{"eof", ioEOF},
		{"large", ioLarge},
		{"fsync", ioFsync},
		{"copy_file_range", ioCopyFileRange},
	}
}

// ioReadWrite: data written in odd-sized pieces reads back the same in
// other odd-sized pieces.
func ioReadWrite(t *testing.T, d string) {
	p := j(d, "f")
	data := pattern(3<<20+12345, 11)
	fd := open(t, p, unix.O_CREAT|unix.O_WRONLY, 0o644)
	sizes := []int{1, 1000, 4095, 4097, 131072 + 7, 1 << 20, 333333}
	for off, i := 0, 0; off < len(data); i++ {
		n := min(sizes[i%len(sizes)], len(data)-off)
		writeAll(t, fd, data[off:off+n])
		off += n
	}
	closeFd(t, fd)
	fd = open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, fd)
	var got []byte
	rsizes := []int{7, 65536, 1<<20 + 1, 4096, 999}
	for i := 0; ; i++ {
		buf := make([]byte, rsizes[i%len(rsizes)])
		n, err := unix.Read(fd, buf)
		must(t, err, op("read", "f", len(buf)))
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("read back: %s", diffBytes(got, data))
	}
	if st := fstat(t, fd); st.Size != int64(len(data)) {
		t.Errorf("size %d, want %d", st.Size, len(data))
	}
}

// ioPreadPwrite: positioned I/O at offsets across page and 128 KiB / 1 MiB
// boundaries, overwriting inside data and past the end (leaving zeros).
func ioPreadPwrite(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, fd)
	model := make([]byte, 0, 4<<20)
	write := func(data []byte, off int64) {
		t.Helper()
		pwriteAll(t, fd, data, off)
		if end := int(off) + len(data); end > len(model) {
			model = append(model, make([]byte, end-len(model))...)
		}
		copy(model[off:], data)
	}
	write(pattern(1<<20, 1), 0)
	write(pattern(10, 2), 4090)
	write(pattern(300000, 3), 131072-5)
	write(pattern(5000, 4), 1<<20-100)
	write(pattern(4096, 5), 3<<20)
	write([]byte("tail"), 3<<20+8192)
	for _, c := range []struct{ off, n int }{
		{0, len(model)}, {4090, 20}, {131072 - 10, 300020}, {1<<20 - 200, 10000}, {2 << 20, 4096}, {3<<20 + 4000, 10000},
	} {
		got := preadFull(t, fd, c.n, int64(c.off))
		want := model[c.off:min(c.off+c.n, len(model))]
		if !bytes.Equal(got, want) {
			t.Errorf("pread(%d bytes at %d): %s", c.n, c.off, diffBytes(got, want))
		}
	}
	if st := fstat(t, fd); st.Size != int64(len(model)) {
		t.Errorf("size %d, want %d", st.Size, len(model))
	}
	// pread and pwrite leave the file offset alone.
	if off, _ := unix.Seek(fd, 0, 1); off != 0 {
		t.Errorf("file offset after pread/pwrite: %d, want 0", off)
	}
}

// ioEOF: reads at and past the end return 0 bytes; a short read stops at
// the end.
func ioEOF(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("12345"))
	fd := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, fd)
	buf := make([]byte, 100)
	for _, c := range []struct {
		off  int64
		want int
	}{{0, 5}, {3, 2}, {5, 0}, {1000, 0}, {1 << 40, 0}} {
		n, err := unix.Pread(fd, buf, c.off)
		if wantOK(t, err, op("pread", "f", 100, c.off)) && n != c.want {
			t.Errorf("pread(100 bytes at %d) of a 5-byte file: %d bytes, want %d", c.off, n, c.want)
		}
	}
	_, err := unix.Pread(fd, buf, -1)
	wantErr(t, err, op("pread", "f", 100, -1), unix.EINVAL)
}

// ioLarge: 64 MiB written in 1 MiB pieces read back whole.
func ioLarge(t *testing.T, d string) {
	p := j(d, "big")
	fd := open(t, p, unix.O_CREAT|unix.O_WRONLY, 0o644)
	h := sha256.New()
	for i := 0; i < 64; i++ {
		chunk := pattern(1<<20, byte(i))
		h.Write(chunk)
		writeAll(t, fd, chunk)
	}
	closeFd(t, fd)
	want := h.Sum(nil)
	fd = open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, fd)
	h.Reset()
	buf := make([]byte, 1<<20+4096)
	total := 0
	for {
		n, err := unix.Read(fd, buf)
		must(t, err, "read")
		if n == 0 {
			break
		}
		h.Write(buf[:n])
		total += n
	}
	if total != 64<<20 || !bytes.Equal(h.Sum(nil), want) {
		t.Errorf("read back %d bytes, checksum match %v; want %d bytes, same checksum", total, bytes.Equal(h.Sum(nil), want), 64<<20)
	}
}

// ioFsync: fsync and fdatasync of files and directories, syncfs.
func ioFsync(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	writeAll(t, fd, pattern(100000, 9))
	wantOK(t, unix.Fsync(fd), op("fsync", "f"))
	wantOK(t, unix.Fdatasync(fd), op("fdatasync", "f"))
	wantOK(t, unix.Syncfs(fd), op("syncfs", "f"))
	closeFd(t, fd)
	ro := open(t, p, unix.O_RDONLY, 0)
	wantOK(t, unix.Fsync(ro), op("fsync", "read-only fd"))
	closeFd(t, ro)
	dfd := open(t, d, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	wantOK(t, unix.Fsync(dfd), op("fsync", "directory"))
	closeFd(t, dfd)
	wantContent(t, p, pattern(100000, 9))
}

// ioCopyFileRange: copy_file_range between two files of the file system.
func ioCopyFileRange(t *testing.T, d string) {
	src, dst := j(d, "src"), j(d, "dst")
	data := pattern(3<<20, 21)
	writeFile(t, src, data)
	in := open(t, src, unix.O_RDONLY, 0)
	defer closeFd(t, in)
	out := open(t, dst, unix.O_CREAT|unix.O_WRONLY, 0o644)
	defer closeFd(t, out)
	roff, woff := int64(1000), int64(0)
	want := data[1000 : 1000+(3<<20)-5000]
	left := len(want)
	for left > 0 {
		n, err := unix.CopyFileRange(in, &roff, out, &woff, left, 0)
		if !wantOK(t, err, op("copy_file_range", "src", "dst", left)) {
			return
		}
		if n == 0 {
			break
		}
		left -= n
	}
	wantContent(t, dst, want)
}
