package fusefs

import (
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

const defaultBlksize = 4096

// tell gives the kernel n's attributes a in out, and remembers their
// times (atime.go).
func (n *node) tell(out *fuse.Attr, a *fop.Attr) {
	n.times.record(a)
	fillAttr(out, a)
}

// fillAttr copies a's stat into out. Timeouts are left to go-fuse,
// which applies the mount's.
func fillAttr(out *fuse.Attr, a *fop.Attr) {
	out.Ino = a.Gfid.Ino()
	out.Size = a.Size
	out.Blocks = a.Blocks
	out.Atime, out.Atimensec = uint64(a.Atime.Sec), a.Atime.Nsec
	out.Mtime, out.Mtimensec = uint64(a.Mtime.Sec), a.Mtime.Nsec
	out.Ctime, out.Ctimensec = uint64(a.Ctime.Sec), a.Ctime.Nsec
	out.Mode = a.Mode
	out.Nlink = a.Nlink
	out.Uid, out.Gid = a.Uid, a.Gid
	// FUSE carries the kernel's 32-bit device encoding, the low half of
	// glibc's dev_t for every major below 4096.
	out.Rdev = uint32(a.Rdev)
	// A zero Blksize would make go-fuse recompute Blocks from the size,
	// hiding holes.
	out.Blksize = a.Blksize
	if out.Blksize == 0 {
		out.Blksize = defaultBlksize
	}
}
