package posix

import (
	"fmt"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// NewInode describes an inode to create.
type NewInode struct {
	Gfid     gfid.Gfid
	Mode     uint32 // type bits (Mknod) and permission bits, umask applied
	Rdev     uint64
	Uid, Gid uint32 // the caller
	Linkto   string // Mknod of a dht pointer file
}

// errGfidInUse is the EEXIST of a new inode whose gfid names another.
var errGfidInUse = fmt.Errorf("gfid already in use: %w", unix.EEXIST)

// checkNewGfid refuses a gfid that cannot name a new inode (EINVAL) or
// that already names one (EEXIST). The shard of g is held.
func (b *Brick) checkNewGfid(g gfid.Gfid) error {
	if g.IsZero() || g == gfid.Root {
		return unix.EINVAL
	}
	if _, err := lstatAt(b.handles, g.HandlePath()); err == nil {
		return errGfidInUse
	}
	if _, err := lstatAt(b.unlinked, g.String()); err == nil {
		return errGfidInUse
	}
	return nil
}

// initNew gives a just-made inode (fd: any fd of it) its owner, keeps the
// set-id bits it asked for, and sets its gfid (and linkto) xattrs.
//
// The owner is the caller, except that the group of a new inode in a
// setgid directory is the directory's (the kernel did that already). The
// kernel clears set-id bits on chown; they are put back as requested,
// except S_ISGID on a non-directory whose group the caller is not in
// (as far as the brick can tell: caller gid != file gid, caller not root).
func initNew(fd int, parent *unix.Stat_t, n NewInode) error {
	uid, gid := int(n.Uid), int(n.Gid)
	if parent.Mode&unix.S_ISGID != 0 {
		gid = int(parent.Gid)
	}
	if err := fchownFd(fd, uid, gid); err != nil {
		return err
	}
	st, err := fstat(fd)
	if err != nil {
		return err
	}
	if !isDir(&st) && !isLnk(&st) {
		if err := keepSetID(fd, &st, n, gid); err != nil {
			return err
		}
	}
	if err := fsetxattr(fd, xattrGfid, n.Gfid[:], unix.XATTR_CREATE); err != nil {
		return err
	}
	if n.Linkto != "" {
		return fsetxattr(fd, xattrLinkto, []byte(n.Linkto), 0)
	}
	return nil
}

// keepSetID restores the S_ISUID/S_ISGID bits that chown cleared.
func keepSetID(fd int, st *unix.Stat_t, n NewInode, gid int) error {
	want := n.Mode & (unix.S_ISUID | unix.S_ISGID)
	if n.Uid != 0 && uint32(gid) != n.Gid {
		want &^= unix.S_ISGID
	}
	have := st.Mode & (unix.S_ISUID | unix.S_ISGID)
	if have == want {
		return nil
	}
	// The other bits stay as they are: a default ACL may have set them.
	mode := st.Mode&0o7777&^(unix.S_ISUID|unix.S_ISGID) | want
	return chmodFd(fd, mode)
}

// touchNew sets the times of a just-made inode to now, after its owner,
// xattrs and links were set (which changed its ctime only), so that a new
// inode has atime = mtime = ctime, as one made by a single mknod(2).
// A failure leaves the times slightly apart and is not an error.
func touchNew(fd int) {
	now := unix.Timespec{Nsec: unix.UTIME_NOW}
	_ = utimensFd(fd, []unix.Timespec{now, now})
}
