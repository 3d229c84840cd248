package posix

import (
	"errors"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Rename flags, as renameat2(2).
const (
	RenameNoreplace = unix.RENAME_NOREPLACE
	RenameExchange  = unix.RENAME_EXCHANGE
)

// Renamed is the result of Rename: the renamed inode and, when one was
// replaced (or exchanged), that inode, both after the rename.
type Renamed struct {
	Attr     Attr
	Replaced *Attr
}

// Rename renames (oldParent, oldName) to (newParent, newName) with
// renameat2 flags. Directory handles follow the directories they name; a
// replaced inode loses its handle with its last name (parked while open).
func (b *Brick) Rename(oldParent gfid.Gfid, oldName string, newParent gfid.Gfid, newName string, flags uint) (Renamed, error) {
	if flags&^uint(RenameNoreplace|RenameExchange) != 0 {
		return Renamed{}, unix.EINVAL
	}
	if err := checkNewName(newParent, newName); err != nil {
		return Renamed{}, err
	}
	od, src, err := b.openChild(oldParent, oldName)
	if err != nil {
		return Renamed{}, err
	}
	defer od.Close()
	defer src.Close()
	nd, err := b.ResolveDir(newParent)
	if err != nil {
		return Renamed{}, err
	}
	defer nd.Close()
	dst, err := openEntry(nd.fd, newName)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return Renamed{}, err
	}
	defer dst.Close()
	if dst != nil && dst.st.Ino == src.st.Ino && dst.st.Dev == src.st.Dev {
		dst.Close() // two names of one inode: rename does nothing
		dst = nil
	}
	gs := []gfid.Gfid{src.Gfid}
	if dst != nil {
		gs = append(gs, dst.Gfid)
	}
	unlock := b.inodes.lock(gs...)
	defer unlock()
	if err := renameat2(od.fd, oldName, nd.fd, newName, flags); err != nil {
		return Renamed{}, err
	}
	return b.afterRename(src, dst, oldParent, oldName, newParent, newName, flags&RenameExchange != 0)
}

// afterRename updates handles after a rename and returns the attributes.
func (b *Brick) afterRename(src, dst *Inode, op gfid.Gfid, on string, np gfid.Gfid, nn string, exchange bool) (Renamed, error) {
	b.moveDirHandle(src, np, nn)
	if dst != nil && exchange {
		b.moveDirHandle(dst, op, on)
	} else if dst != nil && dst.IsDir() {
		b.dirGone(dst)
	} else if dst != nil {
		if st, err := dst.stat(); err == nil {
			b.lastNameGone(dst.Gfid, uint64(st.Nlink))
		}
	}
	var r Renamed
	var err error
	if r.Attr, err = src.attr(); err != nil {
		return Renamed{}, err
	}
	if dst != nil {
		a, err := dst.attr()
		if err != nil {
			return Renamed{}, err
		}
		r.Replaced = &a
	}
	return r, nil
}

// moveDirHandle rewrites the handle of the directory in, now at
// (parent, name).
func (b *Brick) moveDirHandle(in *Inode, parent gfid.Gfid, name string) {
	if !in.IsDir() || in.Gfid.IsZero() {
		return
	}
	if err := b.symlinkDirHandle(in.Gfid, parent, name); err != nil {
		b.log.Warn("cannot move a directory handle", "brick", b.path, "gfid", in.Gfid, "err", err)
	}
}
