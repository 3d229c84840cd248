package memvol

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Rename is renameat2(2) with RENAME_NOREPLACE and RENAME_EXCHANGE.
func (v *Vol) Rename(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) error {
	if err := v.enter("Rename"); err != nil {
		return err
	}
	defer v.mu.Unlock()
	sp, err := v.dirOf(oldParent)
	if err != nil {
		return err
	}
	dp, err := v.dirOf(newParent)
	if err != nil {
		return err
	}
	if err := checkName(newName); err != nil {
		return err
	}
	sg, ok := sp.dir.get(oldName)
	if !ok {
		return syscall.ENOENT
	}
	tg, exists := dp.dir.get(newName)
	switch {
	case flags&fop.RenameExchange != 0 && !exists:
		return syscall.ENOENT
	case flags&fop.RenameExchange != 0:
		return v.exchange(sp, oldName, sg, dp, newName, tg)
	case exists && flags&fop.RenameNoreplace != 0:
		return syscall.EEXIST
	case exists && tg == sg:
		return nil
	}
	return v.move(sp, oldName, sg, dp, newName, tg, exists)
}

// move renames sp/oldName (inode sg) over dp/newName (inode tg if
// exists). Called with mu held.
func (v *Vol) move(sp *inode, oldName string, sg fop.Gfid, dp *inode, newName string, tg fop.Gfid, exists bool) error {
	src := v.inodes[sg]
	if src.dir != nil && v.within(dp.attr.Gfid, sg) {
		return syscall.EINVAL
	}
	if exists {
		tgt := v.inodes[tg]
		switch {
		case src.dir != nil && tgt.dir == nil:
			return syscall.ENOTDIR
		case src.dir == nil && tgt.dir != nil:
			return syscall.EISDIR
		case tgt.dir != nil && len(tgt.dir.order) > 0:
			return syscall.ENOTEMPTY
		}
		dp.dir.remove(newName)
		v.unref(dp, tgt)
	}
	sp.dir.remove(oldName)
	dp.dir.set(newName, sg)
	v.reparent(src, sp, dp)
	v.touched(sp, dp, src)
	return nil
}

// exchange swaps two entries. Called with mu held.
func (v *Vol) exchange(sp *inode, oldName string, sg fop.Gfid, dp *inode, newName string, tg fop.Gfid) error {
	src, tgt := v.inodes[sg], v.inodes[tg]
	if (src.dir != nil && v.within(dp.attr.Gfid, sg)) || (tgt.dir != nil && v.within(sp.attr.Gfid, tg)) {
		return syscall.EINVAL
	}
	sp.dir.set(oldName, tg)
	dp.dir.set(newName, sg)
	v.reparent(src, sp, dp)
	v.reparent(tgt, dp, sp)
	v.touched(sp, dp, src)
	tgt.attr.Ctime = now()
	return nil
}

// reparent moves a directory's ".." from sp to dp.
func (v *Vol) reparent(ino, sp, dp *inode) {
	if ino.dir == nil || sp == dp {
		return
	}
	sp.attr.Nlink--
	dp.attr.Nlink++
	ino.parent = dp.attr.Gfid
}

func (v *Vol) touched(sp, dp, ino *inode) {
	t := now()
	sp.attr.Mtime, sp.attr.Ctime = t, t
	dp.attr.Mtime, dp.attr.Ctime = t, t
	ino.attr.Ctime = t
}

// within reports whether directory d is a or lies below a.
func (v *Vol) within(d, a fop.Gfid) bool {
	for {
		if d == a {
			return true
		}
		if d == fop.RootGfid {
			return false
		}
		ino := v.inodes[d]
		if ino == nil {
			return false
		}
		d = ino.parent
	}
}
