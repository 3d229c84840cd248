package memvol

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Unlink removes a non-directory name.
func (v *Vol) Unlink(_ context.Context, parent fop.Gfid, name string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("unlink"); err != nil {
		return err
	}
	d, ino, err := v.find(parent, name)
	if err != nil {
		return err
	}
	if isDir(ino.attr.Mode) {
		return errf(syscall.EISDIR, "memvol %s: unlink %s/%s", v.Name, parent, name)
	}
	v.unlinkLocked(d, name, ino)
	return nil
}

// find returns the directory parent and the inode of its entry name.
func (v *Vol) find(parent fop.Gfid, name string) (*inode, *inode, error) {
	d, err := v.dir(parent)
	if err != nil {
		return nil, nil, err
	}
	e, ok := d.entries[name]
	if !ok {
		return nil, nil, errf(syscall.ENOENT, "memvol %s: %s/%s", v.Name, parent, name)
	}
	return d, v.inodes[e.gfid], nil
}

// unlinkLocked drops the entry name → ino from d.
func (v *Vol) unlinkLocked(d *inode, name string, ino *inode) {
	delete(d.entries, name)
	d.attr.Mtime, d.attr.Ctime = stamp(), stamp()
	if isDir(ino.attr.Mode) {
		d.attr.Nlink--
		ino.removed, ino.attr.Nlink, ino.attr.Ctime = true, 0, stamp()
		if ino.opendirs == 0 {
			delete(v.inodes, ino.attr.Gfid)
		}
		return
	}
	ino.attr.Nlink--
	ino.attr.Ctime = stamp()
	if ino.attr.Nlink == 0 {
		delete(v.inodes, ino.attr.Gfid) // open files keep their *inode
	}
}

// Rmdir removes an empty directory.
func (v *Vol) Rmdir(_ context.Context, parent fop.Gfid, name string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("rmdir"); err != nil {
		return err
	}
	d, ino, err := v.find(parent, name)
	if err != nil {
		return err
	}
	if !isDir(ino.attr.Mode) {
		return errf(syscall.ENOTDIR, "memvol %s: rmdir %s/%s", v.Name, parent, name)
	}
	if len(ino.entries) > 0 {
		return errf(syscall.ENOTEMPTY, "memvol %s: rmdir %s/%s", v.Name, parent, name)
	}
	v.unlinkLocked(d, name, ino)
	return nil
}

// Rename is renameat2(2).
func (v *Vol) Rename(_ context.Context, op fop.Gfid, on string, np fop.Gfid, nn string, flags uint32) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin("rename"); err != nil {
		return err
	}
	od, src, err := v.find(op, on)
	if err != nil {
		return err
	}
	nd, err := v.dir(np)
	if err != nil {
		return err
	}
	de, exists := nd.entries[nn]
	switch {
	case exists && flags&fop.RenameNoreplace != 0:
		return errf(syscall.EEXIST, "memvol %s: rename to %s/%s", v.Name, np, nn)
	case !exists && flags&fop.RenameExchange != 0:
		return errf(syscall.ENOENT, "memvol %s: exchange with %s/%s", v.Name, np, nn)
	case exists && flags&fop.RenameExchange != 0:
		dst := v.inodes[de.gfid]
		v.seq++
		od.entries[on] = dent{gfid: dst.attr.Gfid, seq: v.seq}
		v.seq++
		nd.entries[nn] = dent{gfid: src.attr.Gfid, seq: v.seq}
		return nil
	case exists && de.gfid == src.attr.Gfid:
		return nil
	case exists:
		if err := v.replace(nd, nn, src, v.inodes[de.gfid]); err != nil {
			return err
		}
	}
	delete(od.entries, on)
	if isDir(src.attr.Mode) {
		od.attr.Nlink--
	}
	v.link(nd, nn, src)
	src.attr.Ctime = stamp()
	return nil
}

// replace removes dst, which the rename of src over (nd, nn) replaces.
func (v *Vol) replace(nd *inode, nn string, src, dst *inode) error {
	switch {
	case isDir(src.attr.Mode) && !isDir(dst.attr.Mode):
		return errf(syscall.ENOTDIR, "memvol %s: rename directory over %s", v.Name, nn)
	case !isDir(src.attr.Mode) && isDir(dst.attr.Mode):
		return errf(syscall.EISDIR, "memvol %s: rename over directory %s", v.Name, nn)
	case isDir(dst.attr.Mode) && len(dst.entries) > 0:
		return errf(syscall.ENOTEMPTY, "memvol %s: rename over %s", v.Name, nn)
	}
	v.unlinkLocked(nd, nn, dst)
	return nil
}
