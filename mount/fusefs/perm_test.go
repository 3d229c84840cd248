package fusefs

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// asUser runs fn on a thread whose file system identity is uid:gid, as a
// non-root process would be (changing the fsuid away from 0 drops the
// capabilities that override permissions).
func asUser(t *testing.T, uid, gid int, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		// The thread is not unlocked: it dies with the goroutine
		// instead of going back to the pool with a changed identity.
		unix.Setfsgid(gid)
		unix.Setfsuid(uid)
		fn()
	}()
	<-done
}

func TestPermissionsForNonRootUsers(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	secret, shared := filepath.Join(dir, "secret"), filepath.Join(dir, "shared")
	// The users go through a descriptor of the mount's root: the
	// test's temporary directories above it are closed to them.
	must(t, "secret", os.WriteFile(secret, []byte("s"), 0o600))
	must(t, "shared dir", os.Mkdir(shared, 0o777))
	must(t, "chmod", os.Chmod(shared, 0o777))

	root := openDir(t, dir)
	var openErr, createErr, mkdirErr error
	asUser(t, 1000, 1000, func() {
		_, openErr = unix.Openat(root, "secret", unix.O_RDONLY, 0)
		_, createErr = unix.Openat(root, "mine", unix.O_CREAT|unix.O_WRONLY, 0o644)
		mkdirErr = unix.Mkdirat(root, "shared/mine", 0o755)
	})
	wantErrno(t, "reading a 0600 root file", openErr, syscall.EACCES)
	wantErrno(t, "creating in a 0755 root directory", createErr, syscall.EACCES)
	must(t, "mkdir in a 0777 directory", mkdirErr)
	var st unix.Stat_t
	must(t, "stat", unix.Stat(filepath.Join(shared, "mine"), &st))
	if st.Uid != 1000 || st.Gid != 1000 {
		t.Fatalf("new directory owned by %d:%d, want the caller 1000:1000", st.Uid, st.Gid)
	}
}

func TestPosixACLIsEnforced(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, []byte("x"), 0o600))
	root := openDir(t, dir)
	read := func(uid int) (err error) {
		asUser(t, uid, uid, func() {
			var fd int
			if fd, err = unix.Openat(root, "f", unix.O_RDONLY, 0); err == nil {
				unix.Close(fd)
			}
		})
		return err
	}
	before := read(1000)
	wantErrno(t, "before the ACL", before, syscall.EACCES)
	// user::rw- user:1000:r-- group::--- mask::r-- other::---
	acl := []byte{2, 0, 0, 0,
		1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
		2, 0, 4, 0, 0xe8, 3, 0, 0,
		4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}
	must(t, "set ACL", unix.Setxattr(p, "system.posix_acl_access", acl, 0))
	must(t, "read granted by the ACL", read(1000))
	wantErrno(t, "another user", read(1001), syscall.EACCES)
}

func openDir(t *testing.T, dir string) int {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, "open the mount's root", err)
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}
