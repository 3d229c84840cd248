package posix

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// ref is an fd of an inode, and whether it is an O_PATH fd. The system
// calls on fds (f*xattr, fchmod, futimens, ftruncate) refuse O_PATH fds
// with EBADF: the inode of such an fd is reached through its /proc magic
// link (procPath), which costs a walk through procfs of a few µs on every
// call. A real fd — a directory, an open file, a file just made — is used
// directly.
type ref struct {
	fd    int
	opath bool
}

// pathRef and fdRef make the ref of an O_PATH fd and of a real fd.
func pathRef(fd int) ref { return ref{fd: fd, opath: true} }
func fdRef(fd int) ref   { return ref{fd: fd} }

// getxattr reads attribute name of the inode.
func (r ref) getxattr(name string) ([]byte, error) {
	if r.opath {
		return getxattrPath(procPath(r.fd), name, true)
	}
	return growing(256, 1<<17, func(buf []byte) (int, error) { return unix.Fgetxattr(r.fd, name, buf) })
}

// setxattr sets attribute name of the inode.
func (r ref) setxattr(name string, value []byte, flags int) error {
	return ignoringEINTR(func() error {
		if r.opath {
			return unix.Setxattr(procPath(r.fd), name, value, flags)
		}
		return unix.Fsetxattr(r.fd, name, value, flags)
	})
}

// removexattr removes attribute name of the inode.
func (r ref) removexattr(name string) error {
	return ignoringEINTR(func() error {
		if r.opath {
			return unix.Removexattr(procPath(r.fd), name)
		}
		return unix.Fremovexattr(r.fd, name)
	})
}

// listxattr lists the attribute names of the inode.
func (r ref) listxattr() ([]string, error) {
	b, err := growing(1024, 1<<20, func(buf []byte) (int, error) {
		if r.opath {
			return unix.Listxattr(procPath(r.fd), buf)
		}
		return unix.Flistxattr(r.fd, buf)
	})
	return splitNames(b), err
}

// chmod changes the mode of the inode (not a symlink).
func (r ref) chmod(mode uint32) error {
	return ignoringEINTR(func() error {
		if r.opath {
			return unix.Chmod(procPath(r.fd), mode)
		}
		return unix.Fchmod(r.fd, mode)
	})
}

// utimens sets the times of the inode (a symlink itself).
func (r ref) utimens(ts []unix.Timespec) error {
	if r.opath {
		return ignoringEINTR(func() error { return unix.UtimesNanoAt(unix.AT_FDCWD, procPath(r.fd), ts, 0) })
	}
	return ignoringEINTR(func() error { return futimens(r.fd, ts) })
}

// truncate sets the size of the regular file.
func (r ref) truncate(size int64) error {
	return ignoringEINTR(func() error {
		if r.opath {
			return unix.Truncate(procPath(r.fd), size)
		}
		return unix.Ftruncate(r.fd, size)
	})
}

// futimens is utimensat(fd, NULL, ts, 0), which x/sys/unix does not offer
// (its Futimes goes through /proc).
func futimens(fd int, ts []unix.Timespec) error {
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
