package posix

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

func fallocateChecks() []check {
	return []check{
		{"allocate", fallocateAllocate},
		{"keep_size", fallocateKeepSize},
		{"punch_hole", fallocatePunchHole},
		{"errors", fallocateErrors},
		{"seek_data_hole", fallocateSeekDataHole},
	}
}

// fallocateAllocate: mode 0 extends the file with zeros and reserves its
// blocks.
func fallocateAllocate(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, fd)
	writeAll(t, fd, []byte("head"))
	if !wantOK(t, unix.Fallocate(fd, 0, 0, 1<<20), op("fallocate", "f", 0, 0, 1<<20)) {
		return
	}
	st := fstat(t, fd)
	if st.Size != 1<<20 {
		t.Errorf("size after fallocate of 1 MiB: %d", st.Size)
	}
	if st.Blocks*512 < 1<<20 {
		t.Errorf("st_blocks after fallocate of 1 MiB: %d (%d bytes), want ≥ 1 MiB", st.Blocks, st.Blocks*512)
	}
	got := preadFull(t, fd, 1<<20, 0)
	want := append([]byte("head"), make([]byte, 1<<20-4)...)
	if !bytes.Equal(got, want) {
		t.Errorf("content after fallocate: %s", diffBytes(got, want))
	}
	// Allocating inside the file changes nothing visible.
	must(t, unix.Fallocate(fd, 0, 100, 1000), "fallocate inside")
	if st := fstat(t, fd); st.Size != 1<<20 {
		t.Errorf("size after fallocate inside the file: %d", st.Size)
	}
}

// fallocateKeepSize: FALLOC_FL_KEEP_SIZE reserves blocks past the end
// without changing the size.
func fallocateKeepSize(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, fd)
	writeAll(t, fd, pattern(4096, 1))
	before := fstat(t, fd)
	if !wantOK(t, unix.Fallocate(fd, unix.FALLOC_FL_KEEP_SIZE, 0, 2<<20), op("fallocate", "f", "KEEP_SIZE", 0, 2<<20)) {
		return
	}
	st := fstat(t, fd)
	if st.Size != 4096 {
		t.Errorf("size after KEEP_SIZE fallocate: %d, want 4096", st.Size)
	}
	if st.Blocks*512 < 2<<20 || st.Blocks <= before.Blocks {
		t.Errorf("st_blocks after KEEP_SIZE fallocate of 2 MiB: %d (was %d), want ≥ %d", st.Blocks, before.Blocks, (2<<20)/512)
	}
	if got := preadFull(t, fd, 8192, 0); !bytes.Equal(got, pattern(4096, 1)) {
		t.Errorf("content after KEEP_SIZE fallocate: %s", diffBytes(got, pattern(4096, 1)))
	}
}

// fallocatePunchHole: PUNCH_HOLE|KEEP_SIZE zeroes the range and frees its
// blocks; the size and the rest stay.
func fallocatePunchHole(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, fd)
	data := bytes.Repeat([]byte{0xaa}, 1<<20)
	writeAll(t, fd, data)
	must(t, unix.Fsync(fd), "fsync")
	before := fstat(t, fd)
	mode := uint32(unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_KEEP_SIZE)
	if !wantOK(t, unix.Fallocate(fd, mode, 256<<10, 256<<10), op("fallocate", "PUNCH_HOLE|KEEP_SIZE", 256<<10, 256<<10)) {
		return
	}
	st := fstat(t, fd)
	if st.Size != 1<<20 {
		t.Errorf("size after punching a hole: %d, want %d", st.Size, 1<<20)
	}
	if st.Blocks >= before.Blocks {
		t.Errorf("st_blocks after punching 256 KiB: %d, was %d: want fewer", st.Blocks, before.Blocks)
	}
	want := append([]byte{}, data...)
	copy(want[256<<10:512<<10], make([]byte, 256<<10))
	if got := preadFull(t, fd, 1<<20, 0); !bytes.Equal(got, want) {
		t.Errorf("content after punching a hole: %s", diffBytes(got, want))
	}
	// An unaligned punch zeroes exactly its bytes.
	must(t, unix.Fallocate(fd, mode, 1000, 10), "fallocate PUNCH_HOLE unaligned")
	copy(want[1000:1010], make([]byte, 10))
	if got := preadFull(t, fd, 4096, 0); !bytes.Equal(got, want[:4096]) {
		t.Errorf("content after an unaligned punch: %s", diffBytes(got, want[:4096]))
	}
	// Past the end: the size stays.
	wantOK(t, unix.Fallocate(fd, mode, 2<<20, 4096), op("fallocate", "PUNCH_HOLE past the end"))
	if st := fstat(t, fd); st.Size != 1<<20 {
		t.Errorf("size after punching past the end: %d", st.Size)
	}
}

func fallocateErrors(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	fd := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, fd)
	wantErr(t, unix.Fallocate(fd, unix.FALLOC_FL_PUNCH_HOLE, 0, 4096), op("fallocate", "PUNCH_HOLE without KEEP_SIZE"), unix.EOPNOTSUPP)
	wantErr(t, unix.Fallocate(fd, 0, 0, 0), op("fallocate", "length 0"), unix.EINVAL)
	wantErr(t, unix.Fallocate(fd, 0, -1, 10), op("fallocate", "offset -1"), unix.EINVAL)
	ro := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, ro)
	wantErr(t, unix.Fallocate(ro, 0, 0, 4096), op("fallocate", "read-only fd"), unix.EBADF)
	if st := fstat(t, fd); st.Size != 0 {
		t.Errorf("size after failed fallocates: %d", st.Size)
	}
}

// fallocateSeekDataHole: SEEK_DATA and SEEK_HOLE find a large hole between
// two written regions; past the end both are ENXIO.
func fallocateSeekDataHole(t *testing.T, d string) {
	p := j(d, "f")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, fd)
	const (
		first  = 64 << 10
		second = 8 << 20
		size   = second + 64<<10
	)
	pwriteAll(t, fd, pattern(first, 1), 0)
	pwriteAll(t, fd, pattern(64<<10, 2), second)
	must(t, unix.Fsync(fd), "fsync")
	seek := func(off int64, whence int) (int64, error) { return unix.Seek(fd, off, whence) }
	name := map[int]string{unix.SEEK_DATA: "SEEK_DATA", unix.SEEK_HOLE: "SEEK_HOLE"}

	if got, err := seek(0, unix.SEEK_DATA); wantOK(t, err, op("lseek", 0, "SEEK_DATA")) && got != 0 {
		t.Errorf("lseek(0, SEEK_DATA) = %d, want 0", got)
	}
	hole, err := seek(0, unix.SEEK_HOLE)
	if wantOK(t, err, op("lseek", 0, "SEEK_HOLE")) && (hole < first || hole >= second) {
		t.Errorf("lseek(0, SEEK_HOLE) = %d, want the hole in [%d, %d): the file system must report holes", hole, first, second)
	}
	if data, err := seek(first, unix.SEEK_DATA); wantOK(t, err, op("lseek", first, "SEEK_DATA")) && (data <= first || data > second) {
		t.Errorf("lseek(%d, SEEK_DATA) = %d, want the data at %d (not before)", first, data, second)
	}
	if h, err := seek(second, unix.SEEK_HOLE); wantOK(t, err, op("lseek", second, "SEEK_HOLE")) && h != size {
		t.Errorf("lseek(%d, SEEK_HOLE) = %d, want the end of the file %d", second, h, size)
	}
	for _, whence := range []int{unix.SEEK_DATA, unix.SEEK_HOLE} {
		_, err := seek(size, whence)
		wantErr(t, err, op("lseek", "end of file", name[whence]), unix.ENXIO)
		_, err = seek(size+1<<20, whence)
		wantErr(t, err, op("lseek", "past the end", name[whence]), unix.ENXIO)
	}
	// A file without holes: data at 0, hole at the end.
	q := j(d, "full")
	writeFile(t, q, pattern(100000, 3))
	qfd := open(t, q, unix.O_RDONLY, 0)
	defer closeFd(t, qfd)
	if h, err := unix.Seek(qfd, 0, unix.SEEK_HOLE); wantOK(t, err, op("lseek", "full", 0, "SEEK_HOLE")) && h != 100000 {
		t.Errorf("lseek(SEEK_HOLE) in a file without holes: %d, want its size 100000", h)
	}
}
