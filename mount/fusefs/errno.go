package fusefs

import (
	"context"
	"errors"
	"io/fs"
	"syscall"
)

// toErrno is the one place where an error of the volume becomes the errno
// the kernel sees. known is false when nothing recognisable was found and
// EIO was chosen.
//
// ENOSYS from below becomes EOPNOTSUPP: to the kernel ENOSYS means "this
// file system does not implement the operation", and it stops sending
// that operation (xattrs, flush, fsync, fallocate, ...) for the rest of
// the mount, while a brick may lack a feature only for one file or a
// while.
func toErrno(err error) (errno syscall.Errno, known bool) {
	if err == nil {
		return 0, true
	}
	var e syscall.Errno
	switch {
	case errors.As(err, &e) && e == syscall.ENOSYS:
		return syscall.EOPNOTSUPP, true
	case errors.As(err, &e) && e != 0:
		return e, true
	case errors.Is(err, context.Canceled):
		return syscall.EINTR, true
	case errors.Is(err, context.DeadlineExceeded):
		return syscall.ETIMEDOUT, true
	case errors.Is(err, fs.ErrNotExist):
		return syscall.ENOENT, true
	case errors.Is(err, fs.ErrExist):
		return syscall.EEXIST, true
	case errors.Is(err, fs.ErrPermission):
		return syscall.EACCES, true
	case errors.Is(err, fs.ErrInvalid):
		return syscall.EINVAL, true
	}
	return syscall.EIO, false
}

// errno converts err for the kernel and logs errors that had no errno:
// they are bugs or unexpected failures below, and EIO alone hides them.
func (m *mount) errno(op string, err error) syscall.Errno {
	e, known := toErrno(err)
	if !known {
		m.log.Warn("fusefs: unexpected error, returning EIO", "op", op, "err", err)
	}
	return e
}
