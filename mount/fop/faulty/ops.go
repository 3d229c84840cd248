package faulty

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
)

// The fop.Volume and fop.Brick operations, each through do.

func (b *Brick) Lookup(ctx context.Context, parent fop.Gfid, name string) (e fop.Entry, err error) {
	err = b.do(ctx, Op{Name: OpLookup, Gfid: parent, Entry: name}, func() (err error) {
		e, err = b.inner.Lookup(ctx, parent, name)
		return err
	})
	return e, err
}

func (b *Brick) Getattr(ctx context.Context, g fop.Gfid) (e fop.Entry, err error) {
	err = b.do(ctx, Op{Name: OpGetattr, Gfid: g}, func() (err error) {
		e, err = b.inner.Getattr(ctx, g)
		return err
	})
	return e, err
}

func (b *Brick) Setattr(ctx context.Context, g fop.Gfid, in fop.SetattrIn) (a fop.Attr, err error) {
	op := Op{Name: OpSetattr, Gfid: g}
	if in.Valid&fop.SetSize != 0 {
		op.Off = int64(in.Size)
	}
	err = b.do(ctx, op, func() (err error) {
		a, err = b.inner.Setattr(ctx, g, in)
		return err
	})
	return a, err
}

func (b *Brick) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (e fop.Entry, f fop.File, err error) {
	err = b.do(ctx, Op{Name: OpCreate, Gfid: parent, Entry: name}, func() (err error) {
		e, f, err = b.inner.Create(ctx, parent, name, flags, in)
		return err
	})
	if err != nil {
		if f != nil { // a lost reply: the file was made and opened
			_ = f.Release(context.WithoutCancel(ctx))
		}
		return fop.Entry{}, nil, err
	}
	return e, &file{b: b, gfid: e.Gfid, f: f}, nil
}

func (b *Brick) Mkdir(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (e fop.Entry, err error) {
	err = b.do(ctx, Op{Name: OpMkdir, Gfid: parent, Entry: name}, func() (err error) {
		e, err = b.inner.Mkdir(ctx, parent, name, in)
		return err
	})
	return e, err
}

func (b *Brick) Mknod(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (e fop.Entry, err error) {
	err = b.do(ctx, Op{Name: OpMknod, Gfid: parent, Entry: name}, func() (err error) {
		e, err = b.inner.Mknod(ctx, parent, name, in)
		return err
	})
	return e, err
}

// linktoMaker is the brick client's way to make dht pointer files.
type linktoMaker interface {
	MknodLinkto(ctx context.Context, parent fop.Gfid, name string, gfid fop.Gfid, setName string) (fop.Entry, error)
}

// MknodLinkto forwards to the wrapped brick's MknodLinkto (ENOSYS-free:
// EINVAL when it has none).
func (b *Brick) MknodLinkto(ctx context.Context, parent fop.Gfid, name string, g fop.Gfid, setName string) (e fop.Entry, err error) {
	err = b.do(ctx, Op{Name: OpMknodLinkto, Gfid: parent, Entry: name}, func() (err error) {
		lm, ok := b.inner.(linktoMaker)
		if !ok {
			return errNoLinkto
		}
		e, err = lm.MknodLinkto(ctx, parent, name, g, setName)
		return err
	})
	return e, err
}

func (b *Brick) Symlink(ctx context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (e fop.Entry, err error) {
	err = b.do(ctx, Op{Name: OpSymlink, Gfid: parent, Entry: name}, func() (err error) {
		e, err = b.inner.Symlink(ctx, parent, name, target, in)
		return err
	})
	return e, err
}

func (b *Brick) Link(ctx context.Context, g, newParent fop.Gfid, newName string) (e fop.Entry, err error) {
	err = b.do(ctx, Op{Name: OpLink, Gfid: newParent, Entry: newName}, func() (err error) {
		e, err = b.inner.Link(ctx, g, newParent, newName)
		return err
	})
	return e, err
}

func (b *Brick) Unlink(ctx context.Context, parent fop.Gfid, name string) error {
	return b.do(ctx, Op{Name: OpUnlink, Gfid: parent, Entry: name}, func() error {
		return b.inner.Unlink(ctx, parent, name)
	})
}

func (b *Brick) Rmdir(ctx context.Context, parent fop.Gfid, name string) error {
	return b.do(ctx, Op{Name: OpRmdir, Gfid: parent, Entry: name}, func() error {
		return b.inner.Rmdir(ctx, parent, name)
	})
}

func (b *Brick) Rename(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) error {
	return b.do(ctx, Op{Name: OpRename, Gfid: oldParent, Entry: oldName}, func() error {
		return b.inner.Rename(ctx, oldParent, oldName, newParent, newName, flags)
	})
}

// RenameInode is Rename reporting the inode moved, when the wrapped brick
// reports it (zero otherwise).
func (b *Brick) RenameInode(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) (moved fop.Gfid, err error) {
	err = b.do(ctx, Op{Name: OpRename, Gfid: oldParent, Entry: oldName}, func() error {
		if r, ok := b.inner.(fop.InodeRenamer); ok {
			moved, err = r.RenameInode(ctx, oldParent, oldName, newParent, newName, flags)
			return err
		}
		return b.inner.Rename(ctx, oldParent, oldName, newParent, newName, flags)
	})
	return moved, err
}

func (b *Brick) Readlink(ctx context.Context, g fop.Gfid) (s string, err error) {
	err = b.do(ctx, Op{Name: OpReadlink, Gfid: g}, func() (err error) {
		s, err = b.inner.Readlink(ctx, g)
		return err
	})
	return s, err
}

func (b *Brick) Statfs(ctx context.Context, g fop.Gfid) (s fop.Statfs, err error) {
	err = b.do(ctx, Op{Name: OpStatfs, Gfid: g}, func() (err error) {
		s, err = b.inner.Statfs(ctx, g)
		return err
	})
	return s, err
}

func (b *Brick) Getxattr(ctx context.Context, g fop.Gfid, name string) (v []byte, err error) {
	err = b.do(ctx, Op{Name: OpGetxattr, Gfid: g, Entry: name}, func() (err error) {
		v, err = b.inner.Getxattr(ctx, g, name)
		return err
	})
	return v, err
}

func (b *Brick) Setxattr(ctx context.Context, g fop.Gfid, name string, value []byte, flags uint32) error {
	return b.do(ctx, Op{Name: OpSetxattr, Gfid: g, Entry: name}, func() error {
		return b.inner.Setxattr(ctx, g, name, value, flags)
	})
}

func (b *Brick) Listxattr(ctx context.Context, g fop.Gfid) (names []string, err error) {
	err = b.do(ctx, Op{Name: OpListxattr, Gfid: g}, func() (err error) {
		names, err = b.inner.Listxattr(ctx, g)
		return err
	})
	return names, err
}

func (b *Brick) Removexattr(ctx context.Context, g fop.Gfid, name string) error {
	return b.do(ctx, Op{Name: OpRemovexattr, Gfid: g, Entry: name}, func() error {
		return b.inner.Removexattr(ctx, g, name)
	})
}

func (b *Brick) Open(ctx context.Context, g fop.Gfid, flags uint32) (fop.File, error) {
	var f fop.File
	err := b.do(ctx, Op{Name: OpOpen, Gfid: g}, func() (err error) {
		f, err = b.inner.Open(ctx, g, flags)
		return err
	})
	if err != nil {
		if f != nil {
			_ = f.Release(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	return &file{b: b, gfid: g, f: f}, nil
}

func (b *Brick) Opendir(ctx context.Context, g fop.Gfid) (fop.Dir, error) {
	var d fop.Dir
	err := b.do(ctx, Op{Name: OpOpendir, Gfid: g}, func() (err error) {
		d, err = b.inner.Opendir(ctx, g)
		return err
	})
	if err != nil {
		if d != nil {
			_ = d.Release(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	return &dir{b: b, gfid: g, d: d}, nil
}

func (b *Brick) Inodelk(ctx context.Context, g fop.Gfid, domain string, cmd int, lk fop.Lock) error {
	return b.do(ctx, Op{Name: OpInodelk, Gfid: g, Entry: domain, Cmd: cmd, Lock: lk}, func() error {
		return b.inner.Inodelk(ctx, g, domain, cmd, lk)
	})
}

func (b *Brick) Entrylk(ctx context.Context, parent fop.Gfid, name, domain string, cmd, typ int, owner uint64) error {
	op := Op{Name: OpEntrylk, Gfid: parent, Entry: name, Cmd: cmd, Lock: fop.Lock{Type: typ, Owner: owner}}
	return b.do(ctx, op, func() error {
		return b.inner.Entrylk(ctx, parent, name, domain, cmd, typ, owner)
	})
}

// EntryUnlockLater is Entrylk's unlock, counted as one, sent with the
// wrapped brick's next call when it can (fop.LaterEntryUnlocker).
func (b *Brick) EntryUnlockLater(ctx context.Context, parent fop.Gfid, name, domain string, owner uint64) error {
	op := Op{Name: OpEntrylk, Gfid: parent, Entry: name, Cmd: fop.LkSet, Lock: fop.Lock{Type: fop.LockUnlock, Owner: owner}}
	return b.do(ctx, op, func() error {
		if lu, ok := b.inner.(fop.LaterEntryUnlocker); ok {
			return lu.EntryUnlockLater(ctx, parent, name, domain, owner)
		}
		return b.inner.Entrylk(ctx, parent, name, domain, fop.LkSet, fop.LockUnlock, owner)
	})
}

func (b *Brick) Xattrop(ctx context.Context, g fop.Gfid, deltas []fop.PendingDelta) (p []fop.Pending, err error) {
	err = b.do(ctx, Op{Name: OpXattrop, Gfid: g, Deltas: deltas}, func() (err error) {
		p, err = b.inner.Xattrop(ctx, g, deltas)
		return err
	})
	return p, err
}

func (b *Brick) IndexList(ctx context.Context, index string, after fop.Gfid, max int) (gs []fop.Gfid, eof bool, err error) {
	err = b.do(ctx, Op{Name: OpIndexList, Gfid: after, Entry: index, Len: max}, func() (err error) {
		gs, eof, err = b.inner.IndexList(ctx, index, after, max)
		return err
	})
	return gs, eof, err
}

func (b *Brick) Rchecksum(ctx context.Context, g fop.Gfid, off, length int64, chunk int) (sums [][32]byte, err error) {
	err = b.do(ctx, Op{Name: OpRchecksum, Gfid: g, Off: off, Len: int(length)}, func() (err error) {
		sums, err = b.inner.Rchecksum(ctx, g, off, length, chunk)
		return err
	})
	return sums, err
}
