package fusefs

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// Lookup finds name in the directory n.
func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	e, err := n.m.vol.Lookup(ctx, n.gfid, name)
	if err != nil {
		return nil, n.m.errno("lookup", err)
	}
	return inode(n.entered(ctx, &e.Attr, out))
}

// entered returns the node of a, a child of n just looked up or created,
// with its attributes in out. A child with writes made behind tells the
// attributes it has once they are made (writebehind.go): the kernel
// would otherwise take an older size for the truth.
func (n *node) entered(ctx context.Context, a *fop.Attr, out *fuse.EntryOut) (*node, syscall.Errno) {
	child, errno := n.m.inodes.child(ctx, n, a)
	if errno != 0 {
		return nil, errno
	}
	if child.writes.busy() {
		child.writes.settle()
		e, err := n.m.vol.Getattr(ctx, child.gfid)
		if err != nil {
			return nil, n.m.errno("lookup", err)
		}
		a = &e.Attr
	}
	child.tell(&out.Attr, a)
	return child, 0
}

// inode is the go-fuse inode of c, for returning (c, errno) to go-fuse.
func inode(c *node, errno syscall.Errno) (*fs.Inode, syscall.Errno) {
	if errno != 0 {
		return nil, errno
	}
	return &c.Inode, 0
}

// created finishes an operation that made the entry name in n.
func (n *node) created(ctx context.Context, name string, e fop.Entry, err error, op string, out *fuse.EntryOut) (*node, syscall.Errno) {
	if err != nil {
		return nil, n.m.errno(op, err)
	}
	n.m.changes.entry(n.gfid, name)
	return n.entered(ctx, &e.Attr, out)
}

// Mkdir makes a directory; mode carries the permission bits asked for.
func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	in := n.m.newInode(ctx, syscall.S_IFDIR|mode&07777, 0)
	e, err := n.m.vol.Mkdir(ctx, n.gfid, name, in)
	return inode(n.created(ctx, name, e, err, "mkdir", out))
}

// Mknod makes a fifo, socket, device or regular file.
func (n *node) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	in := n.m.newInode(ctx, mode, uint64(dev))
	e, err := n.m.vol.Mknod(ctx, n.gfid, name, in)
	return inode(n.created(ctx, name, e, err, "mknod", out))
}

// Symlink makes name in n point to target.
func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	in := n.m.newInode(ctx, syscall.S_IFLNK|0o777, 0)
	e, err := n.m.vol.Symlink(ctx, n.gfid, name, target, in)
	return inode(n.created(ctx, name, e, err, "symlink", out))
}

// Link gives the inode target the new name name in n.
func (n *node) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	t, ok := other(target)
	if !ok {
		return nil, syscall.EXDEV
	}
	e, err := n.m.vol.Link(ctx, t.gfid, n.gfid, name)
	if err == nil {
		n.m.changes.inode(t.gfid)
	}
	return inode(n.created(ctx, name, e, err, "link", out))
}

// Create makes and opens a regular file. The open flags (O_EXCL,
// O_TRUNC, O_APPEND, O_DIRECT, ...) go to the volume unchanged.
func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	in := n.m.newInode(ctx, syscall.S_IFREG|mode&07777, 0)
	mgen := n.m.capGen.Load()
	e, f, err := n.m.vol.Create(ctx, n.gfid, name, openFlags(flags), in)
	child, errno := n.created(ctx, name, e, err, "create", out)
	if errno != 0 {
		if err == nil {
			n.m.releaseQuietly(ctx, f)
		}
		return nil, nil, 0, errno
	}
	if e.Gfid == in.Gfid {
		// A new file: its first write(2) need not ask for capabilities.
		child.caps.bornAbsent(mgen)
	}
	return &child.Inode, newFile(child, f, flags), fopenFlags(flags), 0
}

// Unlink removes the name of a non-directory.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	if err := n.m.vol.Unlink(ctx, n.gfid, name); err != nil {
		return n.m.errno("unlink", err)
	}
	n.m.changes.entry(n.gfid, name)
	return 0
}

// Rmdir removes an empty directory.
func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	if err := n.m.vol.Rmdir(ctx, n.gfid, name); err != nil {
		return n.m.errno("rmdir", err)
	}
	n.m.changes.entry(n.gfid, name)
	return 0
}

// Rename moves name in n to newName in newParent, as renameat2(2) with
// flags RENAME_NOREPLACE or RENAME_EXCHANGE. Other flags (RENAME_WHITEOUT)
// are EINVAL.
func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	p, ok := other(newParent)
	if !ok {
		return syscall.EXDEV
	}
	if flags&^(fop.RenameNoreplace|fop.RenameExchange) != 0 {
		return syscall.EINVAL
	}
	if err := n.m.vol.Rename(ctx, n.gfid, name, p.gfid, newName, flags); err != nil {
		return n.m.errno("rename", err)
	}
	n.m.changes.entry(n.gfid, name)
	n.m.changes.entry(p.gfid, newName)
	return 0
}

// Tmpfile is open(2) with O_TMPFILE. The volume has no nameless inodes
// yet: EOPNOTSUPP, which callers (glibc's tmpfile, systemd, ...) take
// as "fall back to a named temporary file". Never ENOSYS: the kernel
// would stop asking for the rest of the mount.
func (n *node) Tmpfile(ctx context.Context, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EOPNOTSUPP
}
