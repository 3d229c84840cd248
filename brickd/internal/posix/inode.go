package posix

import (
	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Inode is a reference to one inode of the brick, holding an fd on the
// inode itself: O_RDONLY|O_DIRECTORY for a directory, O_PATH|O_NOFOLLOW for
// anything else (a symlink is the symlink), or the O_RDWR fd of a file just
// made. The caller closes it.
type Inode struct {
	Gfid gfid.Gfid   // zero for an entry that has no gfid yet
	ref              // the fd, and whether it is O_PATH
	st   unix.Stat_t // as of the open
}

// IsDir reports whether the inode is a directory.
func (in *Inode) IsDir() bool { return isDir(&in.st) }

// Close releases the inode's fd.
func (in *Inode) Close() {
	if in != nil {
		closeFd(in.fd)
		in.fd = -1
	}
}

// stat refreshes and returns the inode's stat.
func (in *Inode) stat() (unix.Stat_t, error) {
	st, err := fstat(in.fd)
	if err == nil {
		in.st = st
	}
	return st, err
}

// readGfid reads the gfid xattr of r; a missing one is the zero gfid.
func readGfid(r ref) (gfid.Gfid, error) {
	v, err := r.getxattr(xattrGfid)
	if err == unix.ENODATA {
		return gfid.Gfid{}, nil
	}
	if err != nil {
		return gfid.Gfid{}, err
	}
	var g gfid.Gfid
	if len(v) != len(g) {
		return g, unix.EIO
	}
	copy(g[:], v)
	return g, nil
}

// openEntry opens the entry name beneath the directory fd dirfd as an
// Inode, without following it, and reads its gfid.
func openEntry(dirfd int, name string) (*Inode, error) {
	fd, err := openPath(dirfd, name)
	if err != nil {
		return nil, err
	}
	in := &Inode{ref: pathRef(fd)}
	if _, err := in.stat(); err != nil {
		in.Close()
		return nil, err
	}
	if in.IsDir() {
		// A directory is held by a real fd, so that it can be used as the
		// dirfd of *at calls and cached.
		dfd, err := openDirAt(dirfd, name)
		if err != nil {
			in.Close()
			return nil, err
		}
		closeFd(in.fd)
		in.ref = fdRef(dfd)
		if _, err := in.stat(); err != nil {
			in.Close()
			return nil, err
		}
	}
	g, err := readGfid(in.ref)
	if err != nil {
		in.Close()
		return nil, err
	}
	in.Gfid = g
	return in, nil
}
