package posix

import (
	"fmt"
	"os"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// NewInode describes an inode to create.
type NewInode struct {
	Gfid     gfid.Gfid
	Mode     uint32 // type bits (Mknod) and permission bits
	Rdev     uint64
	Uid, Gid uint32 // the caller
	Linkto   string // Mknod of a dht pointer file
	// Umask is the caller's umask, applied to Mode unless the parent has a
	// default ACL (withUmask). 0: Mode has it applied already.
	Umask uint32
}

// xattrDefaultACL is a directory's default ACL, which the kernel gives the
// inodes made in it.
const xattrDefaultACL = "system.posix_acl_default"

// withUmask applies n.Umask to the permission bits of n.Mode, unless the
// directory dir has a default ACL: then the kernel derives the new inode's
// permissions from the ACL and the mode as asked (the brick process's own
// umask is 0), as a local disk does. Only then is dir's ACL read.
func withUmask(dir *Inode, n NewInode) NewInode {
	if n.Umask&0o777 == 0 {
		return n
	}
	if _, err := dir.getxattr(xattrDefaultACL); err != nil {
		n.Mode &^= n.Umask & 0o777
	}
	n.Umask = 0
	return n
}

// errGfidInUse is the EEXIST of a new inode whose gfid names another.
var errGfidInUse = fmt.Errorf("gfid already in use: %w", unix.EEXIST)

// newGfidOK refuses, without a system call, a gfid that cannot name a new
// inode (EINVAL) or that names an inode unlinked while open (EEXIST: its
// handle is parked in unlink/, which the open counts know exactly, since
// leftovers are deleted when the brick is opened). The shard of g is held.
func (b *Brick) newGfidOK(g gfid.Gfid) error {
	if g.IsZero() || g == gfid.Root {
		return unix.EINVAL
	}
	if b.opens.isParked(g) {
		return errGfidInUse
	}
	return nil
}

// checkNewGfid is newGfidOK, and refuses a gfid that has a handle
// (EEXIST). The shard of g is held.
func (b *Brick) checkNewGfid(g gfid.Gfid) error {
	if err := b.newGfidOK(g); err != nil {
		return err
	}
	if _, err := lstatAt(b.handles, g.HandlePath()); err == nil {
		return errGfidInUse
	}
	return nil
}

// procUID and procGID are the brick process's effective ids: the owner
// the kernel gives the inodes it makes (but for the group of an inode in a
// setgid directory, which is the directory's).
var procUID, procGID = uint32(os.Geteuid()), uint32(os.Getegid())

// initNew gives a just-made inode (r: any fd of it) its owner, keeps the
// set-id bits it asked for, and sets its gfid (and linkto) xattrs.
//
// The owner is the caller, except that the group of a new inode in a
// setgid directory is the directory's (the kernel did that already). The
// chown is skipped when the kernel gave the inode that owner already (a
// root caller). The kernel clears set-id bits on chown; they are put back
// as requested, except S_ISGID on a non-directory whose group the caller
// is not in (as far as the brick can tell: caller gid != file gid, caller
// not root). An inode made without set-id bits never has any (the kernel
// adds S_ISGID only to directories, which keep it), so then there is
// nothing to check.
func initNew(r ref, parent *unix.Stat_t, n NewInode) error {
	gid, kernelGid := n.Gid, procGID
	if parent.Mode&unix.S_ISGID != 0 {
		gid, kernelGid = parent.Gid, parent.Gid
	}
	if n.Uid != procUID || gid != kernelGid {
		if err := fchownFd(r.fd, int(n.Uid), int(gid)); err != nil {
			return err
		}
	}
	if n.Mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
		if err := keepSetID(r, n, gid); err != nil {
			return err
		}
	}
	if err := r.setxattr(xattrGfid, n.Gfid[:], unix.XATTR_CREATE); err != nil {
		return err
	}
	if n.Linkto != "" {
		return r.setxattr(xattrLinkto, []byte(n.Linkto), 0)
	}
	return nil
}

// keepSetID restores the S_ISUID/S_ISGID bits of a non-directory that
// chown cleared.
func keepSetID(r ref, n NewInode, gid uint32) error {
	st, err := fstat(r.fd)
	if err != nil || isDir(&st) || isLnk(&st) {
		return err
	}
	want := n.Mode & (unix.S_ISUID | unix.S_ISGID)
	if n.Uid != 0 && gid != n.Gid {
		want &^= unix.S_ISGID
	}
	have := st.Mode & (unix.S_ISUID | unix.S_ISGID)
	if have == want {
		return nil
	}
	// The other bits stay as they are: a default ACL may have set them.
	mode := st.Mode&0o7777&^(unix.S_ISUID|unix.S_ISGID) | want
	return r.chmod(mode)
}

// touchNew sets the times of a just-made inode to now, after its owner,
// xattrs and links were set (which changed its ctime only), so that a new
// inode has atime = mtime = ctime, as one made by a single mknod(2).
// A failure leaves the times slightly apart and is not an error.
func touchNew(r ref) {
	now := unix.Timespec{Nsec: unix.UTIME_NOW}
	_ = r.utimens([]unix.Timespec{now, now})
}
