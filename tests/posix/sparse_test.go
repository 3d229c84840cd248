package posix

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

func sparseChecks() []check {
	return []check{
		{"past_4gib", sparsePast4GiB},
		{"truncate_up", sparseTruncateUp},
	}
}

const gib = int64(1) << 30

// sparsePast4GiB: a write at 5 GiB makes a file of that size whose hole
// reads as zeros and takes (almost) no space; offsets past 2^32 are not
// truncated anywhere.
func sparsePast4GiB(t *testing.T, d string) {
	p := j(d, "sparse")
	fd := open(t, p, unix.O_CREAT|unix.O_RDWR, 0o644)
	defer closeFd(t, fd)
	tail := []byte("data at five GiB")
	pwriteAll(t, fd, tail, 5*gib)
	cross := []byte("ACROSS4G")
	pwriteAll(t, fd, cross, 4*gib-4)
	must(t, unix.Fsync(fd), "fsync")
	st := fstat(t, fd)
	if st.Size != 5*gib+int64(len(tail)) {
		t.Errorf("size %d, want %d", st.Size, 5*gib+int64(len(tail)))
	}
	if st.Blocks*512 > 1<<20 {
		t.Errorf("st_blocks %d (%d bytes) for a sparse file holding 24 bytes: the hole takes space", st.Blocks, st.Blocks*512)
	}
	zero := make([]byte, 4096)
	for _, off := range []int64{0, 1 << 20, 2*gib - 100, 4*gib - 4096 - 8, 4*gib + 4096, 5*gib - 4096} {
		if got := preadFull(t, fd, 4096, off); !bytes.Equal(got, zero) {
			t.Errorf("the hole at %d reads %s", off, diffBytes(got, zero))
		}
	}
	if got := preadFull(t, fd, len(cross), 4*gib-4); !bytes.Equal(got, cross) {
		t.Errorf("write across 4 GiB reads back %q, want %q", got, cross)
	}
	if got := preadFull(t, fd, 4, 4*gib); string(got) != "SS4G" {
		t.Errorf("read at exactly 4 GiB: %q, want %q", got, "SS4G")
	}
	if got := preadFull(t, fd, 100, 5*gib); !bytes.Equal(got, tail) {
		t.Errorf("read at 5 GiB: %q, want %q", got, tail)
	}
	if got := preadFull(t, fd, 100, 5*gib-3); !bytes.Equal(got, append([]byte{0, 0, 0}, tail...)) {
		t.Errorf("read across the start of the data at 5 GiB: %q", got)
	}
	if data, err := unix.Seek(fd, 4*gib+8, unix.SEEK_DATA); wantOK(t, err, op("lseek", "4 GiB+8", "SEEK_DATA")) &&
		(data <= 4*gib || data > 5*gib) {
		t.Errorf("lseek(4 GiB+8, SEEK_DATA) = %d, want the data at 5 GiB", data)
	}
	if lst := lstat(t, p); lst.Size != st.Size {
		t.Errorf("lstat size %d, fstat size %d", lst.Size, st.Size)
	}
}

// sparseTruncateUp: truncate to 6 GiB makes a hole up to the new size.
func sparseTruncateUp(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("start"))
	must(t, unix.Truncate(p, 6*gib), op("truncate", "f", "6 GiB"))
	st := lstat(t, p)
	if st.Size != 6*gib {
		t.Errorf("size after truncate to 6 GiB: %d", st.Size)
	}
	if st.Blocks*512 > 1<<20 {
		t.Errorf("st_blocks %d after truncating up: the hole takes space", st.Blocks)
	}
	fd := open(t, p, unix.O_RDONLY, 0)
	defer closeFd(t, fd)
	if got := preadFull(t, fd, 100, 6*gib-50); !bytes.Equal(got, make([]byte, 50)) {
		t.Errorf("last 50 bytes of a file truncated up: %q", got)
	}
	if got := preadFull(t, fd, 5, 0); string(got) != "start" {
		t.Errorf("start of a file truncated up: %q", got)
	}
	must(t, unix.Truncate(p, 3), op("truncate", "f", 3))
	wantContent(t, p, []byte("sta"))
}
