package posix

import (
	"errors"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Entry is what Lookup finds.
type Entry struct {
	Attr
	Pending []Pending // with wantPending only
}

// Lookup finds name in directory parent. An entry without a gfid is given
// gfidReq when that is set (with XATTR_CREATE, so concurrent lookups agree)
// and its handle is made; a missing or outdated handle of an entry with a
// gfid is repaired.
func (b *Brick) Lookup(parent gfid.Gfid, name string, gfidReq gfid.Gfid, wantPending bool) (Entry, error) {
	if err := checkLookupName(parent, name); err != nil {
		return Entry{}, err
	}
	dir, err := b.ResolveDir(parent)
	if err != nil {
		return Entry{}, err
	}
	defer dir.Close()
	in, err := openEntry(dir.fd, name)
	if err != nil {
		return Entry{}, err
	}
	defer in.Close()
	if in.Gfid.IsZero() && !gfidReq.IsZero() {
		if err := b.assignGfid(in, parent, name, gfidReq); err != nil {
			return Entry{}, err
		}
	} else if !in.Gfid.IsZero() {
		b.repairHandle(in, parent, name)
	}
	a, err := in.attr()
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Attr: a}
	if wantPending {
		e.Pending, err = readPending(in.ref)
	}
	return e, err
}

// assignGfid gives the inode in (found at parent/name without a gfid) the
// gfid g and makes its handle.
func (b *Brick) assignGfid(in *Inode, parent gfid.Gfid, name string, g gfid.Gfid) error {
	if g == gfid.Root {
		return unix.EINVAL
	}
	unlock := b.inodes.lock(g)
	defer unlock()
	if _, err := lstatAt(b.handles, g.HandlePath()); err == nil {
		return unix.EEXIST // the gfid belongs to another inode
	}
	err := in.setxattr(xattrGfid, g[:], unix.XATTR_CREATE)
	if errors.Is(err, unix.EEXIST) {
		// A concurrent lookup won: use its gfid.
		in.Gfid, err = readGfid(in.ref)
		return err
	}
	if err != nil {
		return err
	}
	in.Gfid = g
	if in.IsDir() {
		err = b.symlinkDirHandle(g, parent, name)
	} else {
		err = b.linkHandle(g, in.fd)
	}
	if err != nil {
		_ = in.removexattr(xattrGfid)
		in.Gfid = gfid.Gfid{}
	}
	return err
}

// repairHandle remakes the handle of in when it is missing or, for a
// directory, names another place. Failures are logged only.
func (b *Brick) repairHandle(in *Inode, parent gfid.Gfid, name string) {
	g := in.Gfid
	var err error
	switch {
	case g == gfid.Root:
		return
	case in.IsDir():
		want := dirHandleTarget(parent, name)
		if got, rerr := readlinkAt(b.handles, g.HandlePath()); rerr != nil || got != want {
			err = b.symlinkDirHandle(g, parent, name)
		}
	case in.st.Nlink == 1:
		err = b.relinkHandle(in)
	}
	if err != nil {
		b.log.Warn("cannot repair a handle", "brick", b.path, "gfid", g, "err", err)
	}
}

// relinkHandle remakes the missing handle of the non-directory in, whose
// only link is the name it was found at. A file whose last name was
// removed meanwhile (its link left is a parked handle, or none) is left
// alone.
func (b *Brick) relinkHandle(in *Inode) error {
	unlock := b.inodes.lock(in.Gfid)
	defer unlock()
	st, err := in.stat()
	if err != nil || st.Nlink != 1 || b.opens.isParked(in.Gfid) {
		return err
	}
	return b.linkHandle(in.Gfid, in.fd)
}
