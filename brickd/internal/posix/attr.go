package posix

import (
	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Attr is what the brick reports of an inode.
type Attr struct {
	Gfid gfid.Gfid // zero when the inode has none
	Stat unix.Stat_t
	// Nlink is the link count without the brick's own handle link.
	Nlink uint32
	// Linkto is set on dht pointer files.
	Linkto string
}

// LinktoMode is the mode of a dht pointer file: a regular file with only
// the sticky bit.
const LinktoMode = unix.S_IFREG | unix.S_ISVTX

// attrOf builds the Attr of an inode from its stat; it reads the linkto of
// a file shaped like a pointer file through r.
func attrOf(g gfid.Gfid, st unix.Stat_t, r ref) Attr {
	a := Attr{Gfid: g, Stat: st, Nlink: reportedNlink(g, &st)}
	if isPointerShaped(&st) {
		if v, err := r.getxattr(xattrLinkto); err == nil {
			a.Linkto = string(v)
		}
	}
	return a
}

// reportedNlink is the link count a client sees: a non-directory with a
// gfid has one more link, its handle (or its parked handle), not counted.
func reportedNlink(g gfid.Gfid, st *unix.Stat_t) uint32 {
	n := uint32(st.Nlink)
	if !g.IsZero() && !isDir(st) && n > 0 {
		n--
	}
	return n
}

// isPointerShaped reports whether st could be a dht pointer file.
func isPointerShaped(st *unix.Stat_t) bool {
	return st.Mode&(unix.S_IFMT|0o7777) == LinktoMode && st.Size == 0
}

// attr returns the inode's current Attr.
func (in *Inode) attr() (Attr, error) {
	st, err := in.stat()
	if err != nil {
		return Attr{}, err
	}
	return attrOf(in.Gfid, st, in.ref), nil
}

// Getattr returns the attributes of g.
func (b *Brick) Getattr(g gfid.Gfid) (Attr, error) {
	in, err := b.Resolve(g)
	if err != nil {
		return Attr{}, err
	}
	defer in.Close()
	return in.attr()
}
