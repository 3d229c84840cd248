package fusefs

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestUmaskReachesTheVolume: the kernel sends modes unmasked
// (FUSE_DONT_MASK) and the node passes the creating process's umask in
// NewInode.Umask, so the volume can let a default ACL rule over it. The
// memvol applies the umask unless the parent has a default ACL.
func TestUmaskReachesTheVolume(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	withACL := filepath.Join(dir, "acl")
	must(t, "mkdir", os.Mkdir(withACL, 0o777))
	// user::rwx group::r-x other::r-x
	def := []byte{2, 0, 0, 0,
		1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,
		4, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 5, 0, 0xff, 0xff, 0xff, 0xff}
	must(t, "set a default ACL", unix.Setxattr(withACL, "system.posix_acl_default", def, 0))
	for _, c := range []struct {
		dir        string
		file, fifo uint32
		sub        uint32
	}{
		{dir, 0o640, 0o640, 0o750},
		{withACL, 0o666, 0o666, 0o777},
	} {
		fd, err := unix.Open(filepath.Join(c.dir, "f"), unix.O_CREAT|unix.O_WRONLY, 0o666)
		must(t, "create", err)
		unix.Close(fd)
		must(t, "mkfifo", unix.Mkfifo(filepath.Join(c.dir, "p"), 0o666))
		must(t, "mkdir", unix.Mkdir(filepath.Join(c.dir, "d"), 0o777))
		for name, want := range map[string]uint32{"f": c.file, "p": c.fifo, "d": c.sub} {
			var st unix.Stat_t
			must(t, "stat", unix.Lstat(filepath.Join(c.dir, name), &st))
			if st.Mode&0o777 != want {
				t.Errorf("%s: mode %#o under umask 027, want %#o", filepath.Join(c.dir, name), st.Mode&0o777, want)
			}
		}
	}
}
