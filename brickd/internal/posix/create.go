package posix

import (
	"errors"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Create opens name in parent, creating it as a regular file with the
// gfid, mode and owner of n when it does not exist (always, with O_EXCL:
// EEXIST). A new file appears with its gfid and owner already set. It
// reports whether the file was created.
func (b *Brick) Create(parent gfid.Gfid, name string, flags int, n NewInode) (*File, Attr, bool, error) {
	if err := checkNewName(parent, name); err != nil {
		return nil, Attr{}, false, err
	}
	dir, err := b.ResolveDir(parent)
	if err != nil {
		return nil, Attr{}, false, err
	}
	defer dir.Close()
	n.Mode = unix.S_IFREG | n.Mode&0o7777
	for try := 0; try < 3; try++ {
		if flags&unix.O_EXCL == 0 {
			f, a, err := b.openExisting(dir, name, flags)
			if !errors.Is(err, unix.ENOENT) {
				return f, a, false, err
			}
		}
		f, a, err := b.createFile(dir, name, flags, n)
		if errors.Is(err, unix.EEXIST) && !errors.Is(err, errGfidInUse) && flags&unix.O_EXCL == 0 {
			continue // made by someone else meanwhile: open it
		}
		return f, a, err == nil, err
	}
	return nil, Attr{}, false, unix.EAGAIN
}

// openExisting opens the existing regular file name in dir.
func (b *Brick) openExisting(dir *Inode, name string, flags int) (*File, Attr, error) {
	in, err := openEntry(dir.fd, name)
	if err != nil {
		return nil, Attr{}, err
	}
	defer in.Close()
	return b.openRegular(in, flags)
}

// createFile makes the regular file name in dir and opens it with flags.
// The O_RDWR fd the file was made with becomes the open file when flags
// allow (adoptable): no reopen through /proc, and the open is counted
// before anyone can unlink the file.
func (b *Brick) createFile(dir *Inode, name string, flags int, n NewInode) (*File, Attr, error) {
	adopt := adoptable(flags)
	fd, err := b.makeFile(dir, name, n, adopt)
	if err != nil {
		return nil, Attr{}, err
	}
	if !adopt {
		in := &Inode{Gfid: n.Gfid, ref: fdRef(fd)}
		defer in.Close()
		return b.openRegular(in, flags&^unix.O_TRUNC)
	}
	f := &File{b: b, Gfid: n.Gfid, fd: fd, flags: flags & openFlags &^ unix.O_TRUNC}
	a, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Attr{}, err
	}
	return f, a, nil
}

// adoptable reports whether a file opened with flags can be the O_RDWR fd
// it was made with: a writing access mode (reads through an O_WRONLY File
// are refused by File itself), and no flag that only open(2) sets.
func adoptable(flags int) bool {
	acc := flags & unix.O_ACCMODE
	return (acc == unix.O_WRONLY || acc == unix.O_RDWR) &&
		flags&(unix.O_APPEND|unix.O_DSYNC|unix.O_SYNC|unix.O_NOATIME) == 0
}

// makeFile makes the regular file name in dir (a dht pointer file when
// n.Linkto is set) and returns an O_RDWR fd of it; with open, the fd is
// counted as an open File of the inode. The file is made unnamed
// (O_TMPFILE), given its owner and xattrs, linked as its handle, then
// linked into place; where O_TMPFILE is not supported it is made in place
// with O_EXCL and initialised there.
func (b *Brick) makeFile(dir *Inode, name string, n NewInode, open bool) (int, error) {
	unlock := b.inodes.lock(n.Gfid)
	defer unlock()
	if err := b.newGfidOK(n.Gfid); err != nil {
		return -1, err
	}
	n = withUmask(dir, n)
	fd, err := openat(dir.fd, ".", unix.O_TMPFILE|unix.O_RDWR, n.Mode&0o7777)
	switch {
	case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL):
		fd, err = b.makeFileInPlace(dir, name, n)
	case err == nil:
		if err = b.linkNew(fd, dir, name, n); err != nil {
			closeFd(fd)
		}
	}
	if err != nil {
		return -1, err
	}
	touchNew(fdRef(fd))
	if open {
		b.opens.inc(n.Gfid)
	}
	return fd, nil
}

// linkNew gives the unnamed file fd its owner and xattrs and links it, as
// its handle and then at name in dir. A handle already there means that
// the gfid is in use (the file was never visible).
func (b *Brick) linkNew(fd int, dir *Inode, name string, n NewInode) error {
	if err := initNew(fdRef(fd), &dir.st, n); err != nil {
		return err
	}
	if err := b.linkHandle(n.Gfid, fd); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return errGfidInUse
		}
		return err
	}
	if err := linkFd(fd, dir.fd, name); err != nil {
		_ = b.removeHandle(n.Gfid)
		return err
	}
	return nil
}

// makeFileInPlace is makeFile without O_TMPFILE: the name appears first,
// so a gfid in use is refused before.
func (b *Brick) makeFileInPlace(dir *Inode, name string, n NewInode) (int, error) {
	if err := b.checkNewGfid(n.Gfid); err != nil {
		return -1, err
	}
	fd, err := openat(dir.fd, name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_NOFOLLOW, n.Mode&0o7777)
	if err != nil {
		return -1, err
	}
	err = initNew(fdRef(fd), &dir.st, n)
	if err == nil {
		err = b.linkHandle(n.Gfid, fd)
	}
	if err != nil {
		_ = unlinkat(dir.fd, name, 0)
		closeFd(fd)
		return -1, err
	}
	return fd, nil
}
