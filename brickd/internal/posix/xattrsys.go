package posix

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"
)

// Extended attribute system calls on paths: ref (ref.go) passes procPath(fd)
// for an O_PATH fd (the following variants land on the fd's inode), the
// directory listing procEntry(dirfd, name) with the l* variants. Values and
// lists are read with a growing buffer.

// getxattrPath reads attribute name of path; follow selects getxattr over
// lgetxattr.
func getxattrPath(path, name string, follow bool) ([]byte, error) {
	get := unix.Lgetxattr
	if follow {
		get = unix.Getxattr
	}
	return growing(256, 1<<17, func(buf []byte) (int, error) { return get(path, name, buf) })
}

// growing calls fill with a buffer of size bytes, larger ones (up to max)
// while it answers ERANGE, and returns what it filled. EINTR is retried.
func growing(size, max int, fill func(buf []byte) (int, error)) ([]byte, error) {
	buf := make([]byte, size)
	for {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = fill(buf)
			return err
		})
		if errors.Is(err, unix.ERANGE) && len(buf) < max {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
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
