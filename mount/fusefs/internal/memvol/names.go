package memvol

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Lookup finds name in parent.
func (v *Vol) Lookup(ctx context.Context, parent fop.Gfid, name string) (fop.Entry, error) {
	if err := v.enter("Lookup"); err != nil {
		return fop.Entry{}, err
	}
	defer v.mu.Unlock()
	p, err := v.dirOf(parent)
	if err != nil {
		return fop.Entry{}, err
	}
	if err := checkName(name); err != nil {
		return fop.Entry{}, err
	}
	g, ok := p.dir.get(name)
	if !ok {
		return fop.Entry{}, syscall.ENOENT
	}
	return v.inodes[g].entry(), nil
}

// make adds a new inode named name in parent. Called with mu held.
func (v *Vol) make(parent fop.Gfid, name string, in fop.NewInode) (*inode, error) {
	p, err := v.dirOf(parent)
	if err != nil {
		return nil, err
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	if _, ok := p.dir.get(name); ok {
		return nil, syscall.EEXIST
	}
	if in.Gfid.IsZero() || v.inodes[in.Gfid] != nil {
		return nil, syscall.EINVAL
	}
	if _, acl := p.xattrs[aclDefault]; !acl {
		in.Mode &^= in.Umask & 0o777 // a default ACL rules over the umask
	}
	ino := v.newInode(in.Gfid, in.Mode, in.Caller, p)
	p.dir.set(name, in.Gfid)
	p.attr.Mtime, p.attr.Ctime = now(), now()
	if ino.dir != nil {
		ino.attr.Nlink = 2
		ino.parent = parent
		p.attr.Nlink++
	}
	return ino, nil
}

// Create makes and opens a regular file, or opens an existing one unless
// flags has O_EXCL.
func (v *Vol) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (fop.Entry, fop.File, error) {
	if err := v.enter("Create"); err != nil {
		return fop.Entry{}, nil, err
	}
	defer v.mu.Unlock()
	p, err := v.dirOf(parent)
	if err != nil {
		return fop.Entry{}, nil, err
	}
	if g, ok := p.dir.get(name); ok {
		if flags&syscall.O_EXCL != 0 {
			return fop.Entry{}, nil, syscall.EEXIST
		}
		return v.openLocked(g, flags)
	}
	in.Mode = syscall.S_IFREG | in.Mode&0o7777
	ino, err := v.make(parent, name, in)
	if err != nil {
		return fop.Entry{}, nil, err
	}
	ino.opens++
	return ino.entry(), &file{v: v, gfid: in.Gfid, flags: flags}, nil
}

// Mkdir makes a directory.
func (v *Vol) Mkdir(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	if err := v.enter("Mkdir"); err != nil {
		return fop.Entry{}, err
	}
	defer v.mu.Unlock()
	in.Mode = syscall.S_IFDIR | in.Mode&0o7777
	ino, err := v.make(parent, name, in)
	if err != nil {
		return fop.Entry{}, err
	}
	return ino.entry(), nil
}

// Mknod makes a special file (or a regular one).
func (v *Vol) Mknod(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	if err := v.enter("Mknod"); err != nil {
		return fop.Entry{}, err
	}
	defer v.mu.Unlock()
	switch in.Mode & syscall.S_IFMT {
	case syscall.S_IFREG, syscall.S_IFIFO, syscall.S_IFSOCK, syscall.S_IFCHR, syscall.S_IFBLK:
	default:
		return fop.Entry{}, syscall.EINVAL
	}
	ino, err := v.make(parent, name, in)
	if err != nil {
		return fop.Entry{}, err
	}
	ino.attr.Rdev = in.Rdev
	return ino.entry(), nil
}

// Symlink makes a symbolic link.
func (v *Vol) Symlink(ctx context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (fop.Entry, error) {
	if err := v.enter("Symlink"); err != nil {
		return fop.Entry{}, err
	}
	defer v.mu.Unlock()
	in.Mode = syscall.S_IFLNK | 0o777
	ino, err := v.make(parent, name, in)
	if err != nil {
		return fop.Entry{}, err
	}
	ino.target = target
	return ino.entry(), nil
}

// Link adds the name newName in newParent for the inode g.
func (v *Vol) Link(ctx context.Context, g, newParent fop.Gfid, newName string) (fop.Entry, error) {
	if err := v.enter("Link"); err != nil {
		return fop.Entry{}, err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return fop.Entry{}, err
	}
	if ino.dir != nil {
		return fop.Entry{}, syscall.EPERM
	}
	p, err := v.dirOf(newParent)
	if err != nil {
		return fop.Entry{}, err
	}
	if err := checkName(newName); err != nil {
		return fop.Entry{}, err
	}
	if _, ok := p.dir.get(newName); ok {
		return fop.Entry{}, syscall.EEXIST
	}
	p.dir.set(newName, g)
	p.attr.Mtime, p.attr.Ctime = now(), now()
	ino.attr.Nlink++
	ino.attr.Ctime = now()
	return ino.entry(), nil
}

// Unlink removes the name of a non-directory.
func (v *Vol) Unlink(ctx context.Context, parent fop.Gfid, name string) error {
	if err := v.enter("Unlink"); err != nil {
		return err
	}
	defer v.mu.Unlock()
	return v.remove(parent, name, false)
}

// Rmdir removes an empty directory.
func (v *Vol) Rmdir(ctx context.Context, parent fop.Gfid, name string) error {
	if err := v.enter("Rmdir"); err != nil {
		return err
	}
	defer v.mu.Unlock()
	return v.remove(parent, name, true)
}

// remove drops the entry name of parent. Called with mu held.
func (v *Vol) remove(parent fop.Gfid, name string, wantDir bool) error {
	p, err := v.dirOf(parent)
	if err != nil {
		return err
	}
	g, ok := p.dir.get(name)
	if !ok {
		return syscall.ENOENT
	}
	ino := v.inodes[g]
	switch {
	case wantDir && ino.dir == nil:
		return syscall.ENOTDIR
	case !wantDir && ino.dir != nil:
		return syscall.EISDIR
	case wantDir && len(ino.dir.order) > 0:
		return syscall.ENOTEMPTY
	}
	p.dir.remove(name)
	p.attr.Mtime, p.attr.Ctime = now(), now()
	v.unref(p, ino)
	return nil
}

// unref drops one name of ino, a child of p. Called with mu held.
func (v *Vol) unref(p, ino *inode) {
	ino.attr.Ctime = now()
	if ino.dir != nil {
		p.attr.Nlink--
		ino.attr.Nlink = 0
	} else {
		ino.attr.Nlink--
	}
	v.dropIfUnused(ino)
}

// Readlink returns a symlink's target.
func (v *Vol) Readlink(ctx context.Context, g fop.Gfid) (string, error) {
	if err := v.enter("Readlink"); err != nil {
		return "", err
	}
	defer v.mu.Unlock()
	ino, err := v.get(g)
	if err != nil {
		return "", err
	}
	if ino.attr.Mode&syscall.S_IFMT != syscall.S_IFLNK {
		return "", syscall.EINVAL
	}
	return ino.target, nil
}
