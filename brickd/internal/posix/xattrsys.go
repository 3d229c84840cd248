package posix

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"
)

// Extended attribute system calls on paths: callers pass procPath(fd) (the
// following variants land on the fd's inode) or procEntry(dirfd, name)
// with the l* variants. Values and lists are read with a growing buffer.

// getxattrPath reads attribute name of path; follow selects getxattr over
// lgetxattr.
func getxattrPath(path, name string, follow bool) ([]byte, error) {
	get := unix.Lgetxattr
	if follow {
		get = unix.Getxattr
	}
	buf := make([]byte, 256)
	for {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = get(path, name, buf)
			return err
		})
		if errors.Is(err, unix.ERANGE) && len(buf) < 1<<17 {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// fgetxattr reads attribute name of the inode of fd (any fd).
func fgetxattr(fd int, name string) ([]byte, error) {
	return getxattrPath(procPath(fd), name, true)
}

// fsetxattr sets attribute name of the inode of fd (any fd).
func fsetxattr(fd int, name string, value []byte, flags int) error {
	return ignoringEINTR(func() error {
		return unix.Setxattr(procPath(fd), name, value, flags)
	})
}

// fremovexattr removes attribute name of the inode of fd.
func fremovexattr(fd int, name string) error {
	return ignoringEINTR(func() error { return unix.Removexattr(procPath(fd), name) })
}

// flistxattr lists the attribute names of the inode of fd.
func flistxattr(fd int) ([]string, error) {
	buf := make([]byte, 1024)
	for {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Listxattr(procPath(fd), buf)
			return err
		})
		if errors.Is(err, unix.ERANGE) && len(buf) < 1<<20 {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return nil, err
		}
		return splitNames(buf[:n]), nil
	}
}

// splitNames splits a NUL-separated xattr name list.
func splitNames(b []byte) []string {
	var names []string
	for _, s := range strings.Split(string(b), "\x00") {
		if s != "" {
			names = append(names, s)
		}
	}
	return names
}
