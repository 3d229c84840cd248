package dht

import (
	"slices"

	"github.com/mortarfs/mortar/mount/fop"
)

// Attributes of a directory. Every directory exists on every set, and each
// copy has its own times: a file created in the directory changes only the
// copy on the file's set. Every path that reports a directory's attributes
// (Lookup, Getattr, Setattr, Mkdir, Readdir) merges the copies it already
// has with mergeDir, so that the kernel sees the same stat whichever path
// it used (tar compares them and says "file changed as we read it").

// mergeDir merges the copies of one directory, indexed by set (nil where a
// set gave none). The base copy is the first set's that has one: it gives
// every attribute (type, mode, owner, nlink, size, blocks) but the times,
// which are the newest over every copy of the same inode (same gfid as the
// base). The first set, not the hashed one, because a path by gfid
// (Getattr, Setattr) does not know the directory's name: with any other
// rule a directory's size or nlink would depend on the path that asked.
// It returns the base's index, or -1 and a zero Attr when there is no copy.
func mergeDir(copies []*fop.Attr) (fop.Attr, int) {
	base := slices.IndexFunc(copies, func(c *fop.Attr) bool { return c != nil })
	if base < 0 {
		return fop.Attr{}, -1
	}
	out := *copies[base]
	for _, c := range copies[base+1:] {
		if c != nil && c.Gfid == out.Gfid {
			mergeTimes(&out, *c)
		}
	}
	return out, base
}

// mergeTimes makes a's times the newest of a's and o's.
func mergeTimes(a *fop.Attr, o fop.Attr) {
	a.Atime = later(a.Atime, o.Atime)
	a.Mtime = later(a.Mtime, o.Mtime)
	a.Ctime = later(a.Ctime, o.Ctime)
}

func later(a, b fop.Timespec) fop.Timespec {
	if b.Sec > a.Sec || b.Sec == a.Sec && b.Nsec > a.Nsec {
		return b
	}
	return a
}

// dirCopies returns the copies of a directory among the entries answered
// by the sets (errs[i] == nil): those that are directories with gfid g.
func dirCopies(ents []fop.Entry, errs []error, g fop.Gfid) []*fop.Attr {
	copies := make([]*fop.Attr, len(ents))
	for i := range ents {
		if errs[i] == nil && isDir(ents[i].Mode) && ents[i].Gfid == g {
			copies[i] = &ents[i].Attr
		}
	}
	return copies
}
