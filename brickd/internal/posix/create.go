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
	for try := 0; try < 3; try++ {
		if flags&unix.O_EXCL == 0 {
			f, a, err := b.openExisting(dir, name, flags)
			if !errors.Is(err, unix.ENOENT) {
				return f, a, false, err
			}
		}
		n.Mode = unix.S_IFREG | n.Mode&0o7777
		fd, err := b.makeFile(dir, name, n)
		if errors.Is(err, unix.EEXIST) && !errors.Is(err, errGfidInUse) && flags&unix.O_EXCL == 0 {
			continue // made by someone else meanwhile: open it
		}
		if err != nil {
			return nil, Attr{}, false, err
		}
		in := &Inode{Gfid: n.Gfid, fd: fd}
		f, a, err := b.openRegular(in, flags&^unix.O_TRUNC)
		in.Close()
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

// makeFile makes the regular file name in dir (a dht pointer file when
// n.Linkto is set) and returns an O_RDWR fd of it. The file is made
// unnamed (O_TMPFILE), given its owner and xattrs, linked as its handle,
// then linked into place; where O_TMPFILE is not supported it is made
// in place with O_EXCL and initialised there.
func (b *Brick) makeFile(dir *Inode, name string, n NewInode) (int, error) {
	unlock := b.inodes.lock(n.Gfid)
	defer unlock()
	if err := b.checkNewGfid(n.Gfid); err != nil {
		return -1, err
	}
	fd, err := openat(dir.fd, ".", unix.O_TMPFILE|unix.O_RDWR, n.Mode&0o7777)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
		return b.makeFileInPlace(dir, name, n)
	}
	if err != nil {
		return -1, err
	}
	if err := initNew(fd, &dir.st, n); err != nil {
		closeFd(fd)
		return -1, err
	}
	if err := b.linkHandle(n.Gfid, fd); err != nil {
		closeFd(fd)
		return -1, err
	}
	if err := linkFd(fd, dir.fd, name); err != nil {
		_ = b.removeHandle(n.Gfid)
		closeFd(fd)
		return -1, err
	}
	touchNew(fd)
	return fd, nil
}

// makeFileInPlace is makeFile without O_TMPFILE.
func (b *Brick) makeFileInPlace(dir *Inode, name string, n NewInode) (int, error) {
	fd, err := openat(dir.fd, name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_NOFOLLOW, n.Mode&0o7777)
	if err != nil {
		return -1, err
	}
	err = initNew(fd, &dir.st, n)
	if err == nil {
		err = b.linkHandle(n.Gfid, fd)
	}
	if err != nil {
		_ = unlinkat(dir.fd, name, 0)
		closeFd(fd)
		return -1, err
	}
	touchNew(fd)
	return fd, nil
}
