package fusefs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestXattrs(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, nil, 0o644))

	must(t, "set", unix.Setxattr(p, "user.a", []byte("value-a"), 0))
	must(t, "set", unix.Setxattr(p, "user.b", []byte(""), 0))
	wantErrno(t, "XATTR_CREATE on existing", unix.Setxattr(p, "user.a", []byte("x"), unix.XATTR_CREATE), syscall.EEXIST)
	wantErrno(t, "XATTR_REPLACE on missing", unix.Setxattr(p, "user.c", []byte("x"), unix.XATTR_REPLACE), syscall.ENODATA)

	size, err := unix.Getxattr(p, "user.a", nil)
	must(t, "size probe", err)
	if size != len("value-a") {
		t.Fatalf("size probe %d", size)
	}
	_, err = unix.Getxattr(p, "user.a", make([]byte, 3))
	wantErrno(t, "small buffer", err, syscall.ERANGE)
	buf := make([]byte, 64)
	n, err := unix.Getxattr(p, "user.a", buf)
	must(t, "get", err)
	if string(buf[:n]) != "value-a" {
		t.Fatalf("get %q", buf[:n])
	}
	n, err = unix.Getxattr(p, "user.b", buf)
	must(t, "get empty value", err)
	if n != 0 {
		t.Fatalf("empty value read as %d bytes", n)
	}
	_, err = unix.Getxattr(p, "user.none", buf)
	wantErrno(t, "missing", err, syscall.ENODATA)

	size, err = unix.Listxattr(p, nil)
	must(t, "list size probe", err)
	if size != len("user.a\x00user.b\x00") {
		t.Fatalf("list size %d", size)
	}
	_, err = unix.Listxattr(p, make([]byte, 4))
	wantErrno(t, "list into a small buffer", err, syscall.ERANGE)
	n, err = unix.Listxattr(p, buf)
	must(t, "list", err)
	if string(buf[:n]) != "user.a\x00user.b\x00" {
		t.Fatalf("list %q", buf[:n])
	}

	must(t, "remove", unix.Removexattr(p, "user.a"))
	wantErrno(t, "remove again", unix.Removexattr(p, "user.a"), syscall.ENODATA)
}

func TestPosixACLPassThrough(t *testing.T) {
	dir, _ := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, nil, 0o640))
	// user::rw- user:1000:r-- group::r-- mask::r-- other::---
	acl := []byte{2, 0, 0, 0,
		1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
		2, 0, 4, 0, 0xe8, 3, 0, 0,
		4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}
	must(t, "set ACL", unix.Setxattr(p, "system.posix_acl_access", acl, 0))
	buf := make([]byte, 256)
	n, err := unix.Getxattr(p, "system.posix_acl_access", buf)
	must(t, "get ACL", err)
	if n != len(acl) {
		t.Fatalf("ACL of %d bytes, set %d", n, len(acl))
	}
}

// An error without an errno must reach the application as EIO, and never
// as ENOSYS, which would make the kernel give up the operation for good.
func TestUnknownErrorIsEIONotENOSYS(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, []byte("x"), 0o644))
	must(t, "set", unix.Setxattr(p, "user.a", []byte("1"), 0))
	boom := errors.New("boom")
	buf := make([]byte, 16)

	for _, err := range []error{boom, syscall.ENOSYS} {
		for _, op := range []string{"Getxattr", "Setxattr", "Listxattr", "Removexattr", "Fsync", "Fallocate"} {
			vol.Fail(op, err)
		}
		_, gerr := unix.Getxattr(p, "user.a", buf)
		serr := unix.Setxattr(p, "user.b", []byte("2"), 0)
		_, lerr := unix.Listxattr(p, buf)
		rerr := unix.Removexattr(p, "user.a")
		f, ferr := os.OpenFile(p, os.O_RDWR, 0)
		must(t, "open", ferr)
		syncErr := f.Sync()
		allocErr := unix.Fallocate(int(f.Fd()), 0, 0, 10)
		f.Close()
		want := syscall.EIO
		if err == syscall.ENOSYS {
			want = syscall.EOPNOTSUPP
		}
		for what, got := range map[string]error{"getxattr": gerr, "setxattr": serr, "listxattr": lerr,
			"removexattr": rerr, "fsync": syncErr, "fallocate": allocErr} {
			if !errors.Is(got, want) {
				t.Errorf("%s with %v below: got %v, want %v", what, err, got, want)
			}
		}
	}
	for _, op := range []string{"Getxattr", "Setxattr", "Listxattr", "Removexattr", "Fsync", "Fallocate"} {
		vol.Fail(op, nil)
	}
	n, err := unix.Getxattr(p, "user.a", buf)
	must(t, "getxattr after the failures", err)
	if string(buf[:n]) != "1" {
		t.Fatalf("getxattr after the failures: %q", buf[:n])
	}
	must(t, "setxattr after the failures", unix.Setxattr(p, "user.b", []byte("2"), 0))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, "open", err)
	defer f.Close()
	must(t, "fsync after the failures", f.Sync())
	must(t, "fallocate after the failures", unix.Fallocate(int(f.Fd()), 0, 0, 10))
}

func TestErrorsOfEveryKindReachTheCaller(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	p := filepath.Join(dir, "f")
	must(t, "create", os.WriteFile(p, []byte("x"), 0o644))
	vol.Fail("Lookup", errors.New("lookup broke"))
	var st unix.Stat_t
	wantErrno(t, "lookup of an uncached name", unix.Stat(filepath.Join(dir, "new"), &st), syscall.EIO)
	vol.Fail("Lookup", nil)
	vol.Fail("Mkdir", syscall.EDQUOT)
	wantErrno(t, "mkdir", os.Mkdir(filepath.Join(dir, "d"), 0o755), syscall.EDQUOT)
	vol.Fail("Mkdir", nil)
	vol.Fail("Read", syscall.ENOSYS)
	f, err := os.Open(p)
	must(t, "open", err)
	defer f.Close()
	_, err = unix.Pread(int(f.Fd()), make([]byte, 1), 0)
	wantErrno(t, "read with ENOSYS below", err, syscall.EOPNOTSUPP)
}

// The kernel asks for security.capability before every write(2); the
// answer is cached, and known for a file the mount just created, so small
// writes cost no extra round trip, not even the first.
func TestSmallWritesDoNotReadCapabilities(t *testing.T) {
	dir, vol := mountVol(t, testOptions())
	f, err := os.Create(filepath.Join(dir, "f"))
	must(t, "create", err)
	defer f.Close()
	before := vol.Calls("Getxattr")
	for i := 0; i < 100; i++ {
		_, err := f.Write([]byte("x"))
		must(t, "write", err)
	}
	if got := vol.Calls("Getxattr") - before; got > 0 {
		t.Fatalf("100 writes made %d Getxattr calls", got)
	}
	must(t, "set capability", unix.Fsetxattr(int(f.Fd()), "security.capability", []byte{1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0))
	_, err = f.Write([]byte("y"))
	must(t, "write", err)
	if _, err := unix.Fgetxattr(int(f.Fd()), "security.capability", make([]byte, 64)); !errors.Is(err, syscall.ENODATA) {
		t.Fatalf("a write must drop file capabilities; getxattr: %v", err)
	}
}
