package posix

import (
	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Mkdir makes directory name in parent with n's gfid, mode and owner. The
// kernel applies a setgid parent's group and S_ISGID, and a default ACL.
func (b *Brick) Mkdir(parent gfid.Gfid, name string, n NewInode) (Attr, error) {
	n.Mode = unix.S_IFDIR | n.Mode&0o7777
	return b.makeNode(parent, name, n, func(dirfd int, mode uint32) error {
		return mkdirat(dirfd, name, mode&0o1777)
	})
}

// Mknod makes a fifo, socket, device or regular file; with n.Linkto set, a
// dht pointer file (mode LinktoMode, whatever n.Mode says).
func (b *Brick) Mknod(parent gfid.Gfid, name string, n NewInode) (Attr, error) {
	if n.Linkto != "" {
		n.Mode, n.Umask = LinktoMode, 0
	}
	switch n.Mode & unix.S_IFMT {
	case 0, unix.S_IFREG:
		n.Mode = unix.S_IFREG | n.Mode&0o7777
		return b.mknodRegular(parent, name, n)
	case unix.S_IFIFO, unix.S_IFSOCK, unix.S_IFCHR, unix.S_IFBLK:
	default:
		return Attr{}, unix.EINVAL
	}
	return b.makeNode(parent, name, n, func(dirfd int, mode uint32) error {
		return mknodat(dirfd, name, mode&(unix.S_IFMT|0o7777), n.Rdev)
	})
}

// Symlink makes the symlink name in parent pointing to target (never
// followed by the brick).
func (b *Brick) Symlink(parent gfid.Gfid, name, target string, n NewInode) (Attr, error) {
	switch {
	case target == "":
		return Attr{}, unix.ENOENT
	case len(target) >= unix.PathMax:
		return Attr{}, unix.ENAMETOOLONG
	}
	for i := 0; i < len(target); i++ {
		if target[i] == 0 {
			return Attr{}, unix.EINVAL
		}
	}
	n.Umask = 0 // a symlink's mode is always 0777
	return b.makeNode(parent, name, n, func(dirfd int, _ uint32) error {
		return symlinkat(target, dirfd, name)
	})
}

// mknodRegular makes a regular (or pointer) file without opening it.
func (b *Brick) mknodRegular(parent gfid.Gfid, name string, n NewInode) (Attr, error) {
	if err := checkNewName(parent, name); err != nil {
		return Attr{}, err
	}
	dir, err := b.ResolveDir(parent)
	if err != nil {
		return Attr{}, err
	}
	defer dir.Close()
	fd, err := b.makeFile(dir, name, n, false)
	if err != nil {
		return Attr{}, err
	}
	in := &Inode{Gfid: n.Gfid, ref: fdRef(fd)}
	defer in.Close()
	return in.attr()
}

// makeNode makes name in parent with mk (which creates it with the
// process's identity and mode, n's umask applied), then gives it its
// owner, gfid and handle; on failure the new entry is removed again.
func (b *Brick) makeNode(parent gfid.Gfid, name string, n NewInode, mk func(dirfd int, mode uint32) error) (Attr, error) {
	if err := checkNewName(parent, name); err != nil {
		return Attr{}, err
	}
	dir, err := b.ResolveDir(parent)
	if err != nil {
		return Attr{}, err
	}
	defer dir.Close()
	unlock := b.inodes.lock(n.Gfid)
	defer unlock()
	if err := b.checkNewGfid(n.Gfid); err != nil {
		return Attr{}, err
	}
	n = withUmask(dir, n)
	if err := mk(dir.fd, n.Mode); err != nil {
		return Attr{}, err
	}
	in, err := b.initNode(dir, parent, name, n)
	if err != nil {
		flag := 0
		if n.Mode&unix.S_IFMT == unix.S_IFDIR {
			flag = unix.AT_REMOVEDIR
		}
		_ = unlinkat(dir.fd, name, flag)
		return Attr{}, err
	}
	defer in.Close()
	return in.attr()
}

// initNode opens the just-made name in dir and initialises it.
func (b *Brick) initNode(dir *Inode, parent gfid.Gfid, name string, n NewInode) (*Inode, error) {
	in, err := openNew(dir.fd, name, n.Mode&unix.S_IFMT == unix.S_IFDIR)
	if err != nil {
		return nil, err
	}
	if err := initNew(in.ref, &dir.st, n); err != nil {
		in.Close()
		return nil, err
	}
	in.Gfid = n.Gfid
	if in.IsDir() {
		err = b.newDirHandle(n.Gfid, parent, name)
		if err == nil {
			b.dirs.add(n.Gfid, in.fd)
		}
	} else {
		err = b.linkHandle(n.Gfid, in.fd)
	}
	if err != nil {
		in.Close()
		return nil, err
	}
	touchNew(in.ref)
	return in, nil
}

// openNew opens the entry name just made in dirfd, as a directory (a real
// fd) or as anything else (O_PATH), without following it. It has no gfid
// yet: initNew sets it with XATTR_CREATE, which refuses an inode that has.
func openNew(dirfd int, name string, dir bool) (*Inode, error) {
	in := &Inode{}
	var err error
	if dir {
		in.fd, err = openDirAt(dirfd, name)
	} else {
		in.fd, err = openPath(dirfd, name)
		in.opath = true
	}
	if err != nil {
		return nil, err
	}
	if _, err := in.stat(); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

// Link makes newName in newParent another name of the non-directory g.
func (b *Brick) Link(g, newParent gfid.Gfid, newName string) (Attr, error) {
	if err := checkNewName(newParent, newName); err != nil {
		return Attr{}, err
	}
	dir, err := b.ResolveDir(newParent)
	if err != nil {
		return Attr{}, err
	}
	defer dir.Close()
	in, err := b.Resolve(g)
	if err != nil {
		return Attr{}, err
	}
	defer in.Close()
	if in.IsDir() {
		return Attr{}, unix.EPERM
	}
	unlock := b.inodes.lock(g)
	defer unlock()
	if st, err := in.stat(); err != nil || st.Nlink <= 1 {
		return Attr{}, unix.ENOENT // its last name is gone (parked or deleted)
	}
	if err := linkFd(in.fd, dir.fd, newName); err != nil {
		return Attr{}, err
	}
	return in.attr()
}

// Unlink removes the non-directory name from parent and returns the
// inode's attributes after (nlink decreased). When that was its last name
// its handle goes too, or is parked while the inode is open.
func (b *Brick) Unlink(parent gfid.Gfid, name string) (Attr, error) {
	dir, in, err := b.openChild(parent, name)
	if err != nil {
		return Attr{}, err
	}
	defer dir.Close()
	defer in.Close()
	if in.IsDir() {
		return Attr{}, unix.EISDIR
	}
	unlock := b.inodes.lock(in.Gfid)
	defer unlock()
	if err := unlinkat(dir.fd, name, 0); err != nil {
		return Attr{}, err
	}
	if st, err := in.stat(); err == nil {
		b.lastNameGone(in.Gfid, uint64(st.Nlink))
	}
	return in.attr()
}

// Rmdir removes the empty directory name from parent, with its handle.
func (b *Brick) Rmdir(parent gfid.Gfid, name string) (Attr, error) {
	dir, in, err := b.openChild(parent, name)
	if err != nil {
		return Attr{}, err
	}
	defer dir.Close()
	defer in.Close()
	if !in.IsDir() {
		return Attr{}, unix.ENOTDIR
	}
	if err := unlinkat(dir.fd, name, unix.AT_REMOVEDIR); err != nil {
		return Attr{}, err
	}
	b.dirGone(in)
	return in.attr()
}

// dirGone forgets the removed directory in: handle, cache, dirty index.
// While it is open its fd is kept, so that its gfid still resolves.
func (b *Brick) dirGone(in *Inode) {
	g := in.Gfid
	if g.IsZero() {
		return
	}
	b.odirs.park(g, in.fd)
	b.dirs.evict(g)
	if err := b.removeHandle(g); err != nil {
		b.log.Warn("cannot remove a directory handle", "brick", b.path, "gfid", g, "err", err)
	}
	_ = b.dropDirty(g)
}

// openChild resolves parent and opens its existing entry name.
func (b *Brick) openChild(parent gfid.Gfid, name string) (*Inode, *Inode, error) {
	if err := checkLookupName(parent, name); err != nil {
		return nil, nil, err
	}
	dir, err := b.ResolveDir(parent)
	if err != nil {
		return nil, nil, err
	}
	in, err := openEntry(dir.fd, name)
	if err != nil {
		dir.Close()
		return nil, nil, err
	}
	return dir, in, nil
}
