package posix

import (
	"errors"
	"strconv"

	"golang.org/x/sys/unix"
)

// This file is the one place where EINTR is retried: every system call of
// the package goes through these wrappers or through ignoringEINTR.

// ignoringEINTR runs f until it returns something other than EINTR.
func ignoringEINTR(f func() error) error {
	for {
		err := f()
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// openat opens name beneath dirfd; O_CLOEXEC is added.
func openat(dirfd int, name string, flags int, mode uint32) (int, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, flags|unix.O_CLOEXEC, mode)
		return err
	})
	return fd, err
}

// openPath opens name beneath dirfd as an O_PATH fd without following a
// symlink in the last component.
func openPath(dirfd int, name string) (int, error) {
	return openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW, 0)
}

// openDirAt opens the directory name beneath dirfd for reading, never
// through a symlink.
func openDirAt(dirfd int, name string) (int, error) {
	return openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
}

// dupFd duplicates fd with close-on-exec.
func dupFd(fd int) (int, error) {
	var nfd int
	err := ignoringEINTR(func() (err error) {
		nfd, err = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		return err
	})
	return nfd, err
}

// closeFd closes fd; close is never retried (the fd is gone even on EINTR).
func closeFd(fd int) {
	if fd >= 0 {
		_ = unix.Close(fd)
	}
}

// fstat stats an fd (any kind, O_PATH included).
func fstat(fd int) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) })
	return st, err
}

// lstatAt stats name beneath dirfd without following it.
func lstatAt(dirfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := ignoringEINTR(func() error {
		return unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	})
	return st, err
}

// readlinkFd reads the target of the symlink an O_PATH fd refers to.
func readlinkFd(fd int) (string, error) {
	return readlinkAt(fd, "")
}

// readlinkAt reads the target of the symlink name beneath dirfd.
func readlinkAt(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Readlinkat(dirfd, name, buf)
			return err
		})
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// procPath is the /proc magic link of fd: following it reaches the inode
// fd refers to (the symlink itself for an O_PATH|O_NOFOLLOW fd of one).
func procPath(fd int) string {
	return "/proc/self/fd/" + strconv.Itoa(fd)
}

// procEntry is name beneath the directory fd, through /proc: used with the
// l*xattr calls, which do not follow name.
func procEntry(dirfd int, name string) string {
	return procPath(dirfd) + "/" + name
}

// isDir, isReg and isLnk test the file type of a stat.
func isDir(st *unix.Stat_t) bool { return st.Mode&unix.S_IFMT == unix.S_IFDIR }
func isReg(st *unix.Stat_t) bool { return st.Mode&unix.S_IFMT == unix.S_IFREG }
func isLnk(st *unix.Stat_t) bool { return st.Mode&unix.S_IFMT == unix.S_IFLNK }

// The *at calls of the package, without following the last component
// (mkdirat, unlinkat, renameat2, symlinkat and mknodat never follow it;
// linkFd links the inode of an fd, fchownFd acts on the fd's inode).

func mkdirat(dirfd int, name string, mode uint32) error {
	return ignoringEINTR(func() error { return unix.Mkdirat(dirfd, name, mode) })
}

func unlinkat(dirfd int, name string, flags int) error {
	return ignoringEINTR(func() error { return unix.Unlinkat(dirfd, name, flags) })
}

func renameat2(olddir int, oldname string, newdir int, newname string, flags uint) error {
	return ignoringEINTR(func() error { return unix.Renameat2(olddir, oldname, newdir, newname, flags) })
}

func symlinkat(target string, dirfd int, name string) error {
	return ignoringEINTR(func() error { return unix.Symlinkat(target, dirfd, name) })
}

func mknodat(dirfd int, name string, mode uint32, dev uint64) error {
	return ignoringEINTR(func() error { return unix.Mknodat(dirfd, name, mode, int(dev)) })
}

// linkFd makes name beneath dirfd a new link of the inode of fd (any fd,
// O_PATH and O_TMPFILE included; a symlink is linked itself).
func linkFd(fd, dirfd int, name string) error {
	return ignoringEINTR(func() error { return unix.Linkat(fd, "", dirfd, name, unix.AT_EMPTY_PATH) })
}

// fchownFd changes the owner of the inode of fd (-1 keeps one).
func fchownFd(fd, uid, gid int) error {
	return ignoringEINTR(func() error {
		return unix.Fchownat(fd, "", uid, gid, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
	})
}

// seek is lseek(2).
func seek(fd int, off int64, whence int) (int64, error) {
	var r int64
	err := ignoringEINTR(func() (err error) {
		r, err = unix.Seek(fd, off, whence)
		return err
	})
	return r, err
}
