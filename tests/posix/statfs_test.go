package posix

import (
	"testing"

	"golang.org/x/sys/unix"
)

func statfsChecks() []check {
	return []check{
		{"statfs", statfsFields},
	}
}

// statfsFields: statfs and fstatfs answer with consistent, plausible
// figures: free ≤ total, available ≤ free, names up to 255 bytes.
func statfsFields(t *testing.T, d string) {
	var s unix.Statfs_t
	must(t, unix.Statfs(d, &s), op("statfs", d))
	if s.Bsize <= 0 || s.Frsize <= 0 {
		t.Errorf("statfs: f_bsize %d f_frsize %d, want > 0", s.Bsize, s.Frsize)
	}
	if s.Blocks == 0 || s.Bfree > s.Blocks || s.Bavail > s.Bfree {
		t.Errorf("statfs: blocks %d free %d avail %d, want 0 < blocks, avail ≤ free ≤ blocks", s.Blocks, s.Bfree, s.Bavail)
	}
	if s.Files > 0 && s.Ffree > s.Files {
		t.Errorf("statfs: files %d ffree %d, want ffree ≤ files", s.Files, s.Ffree)
	}
	if s.Namelen != 255 {
		t.Errorf("statfs: f_namelen %d, want 255", s.Namelen)
	}
	create(t, j(d, "f"), 0o644)
	fd := open(t, j(d, "f"), unix.O_RDONLY, 0)
	defer closeFd(t, fd)
	var fs unix.Statfs_t
	must(t, unix.Fstatfs(fd, &fs), op("fstatfs", "f"))
	if fs.Type != s.Type || fs.Bsize != s.Bsize || fs.Blocks != s.Blocks || fs.Namelen != s.Namelen {
		t.Errorf("fstatfs of a file: type %#x bsize %d blocks %d namelen %d; statfs of its directory: %#x %d %d %d",
			fs.Type, fs.Bsize, fs.Blocks, fs.Namelen, s.Type, s.Bsize, s.Blocks, s.Namelen)
	}
	var ps unix.Statfs_t
	wantErr(t, unix.Statfs(j(d, "missing"), &ps), op("statfs", "missing"), unix.ENOENT)
}
