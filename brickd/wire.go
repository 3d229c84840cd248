package brickd

import (
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
	"golang.org/x/sys/unix"
)

// Conversions between the wire (brickpb) and the posix package.

// maxIO is the largest Read or Write.
const maxIO = 1 << 20

// parseGfid reads a required wire gfid.
func parseGfid(b []byte) (gfid.Gfid, error) {
	return gfid.FromBytes(b)
}

// parseOptGfid reads an optional wire gfid (empty: zero).
func parseOptGfid(b []byte) (gfid.Gfid, error) {
	if len(b) == 0 {
		return gfid.Gfid{}, nil
	}
	return gfid.FromBytes(b)
}

func wireTime(t unix.Timespec) *brickpb.Timespec {
	return &brickpb.Timespec{Sec: t.Sec, Nsec: uint32(t.Nsec)}
}

func posixTime(t *brickpb.Timespec) unix.Timespec {
	return unix.Timespec{Sec: t.GetSec(), Nsec: int64(t.GetNsec())}
}

// wireAttr converts an Attr; an entry without a gfid has an empty gfid.
func wireAttr(a posix.Attr) *brickpb.Attr {
	st := &a.Stat
	w := &brickpb.Attr{
		Mode: st.Mode, Nlink: a.Nlink, Uid: st.Uid, Gid: st.Gid,
		Rdev: st.Rdev, Size: uint64(st.Size), Blocks: uint64(st.Blocks),
		Blksize: uint32(st.Blksize),
		Atime:   wireTime(st.Atim), Mtime: wireTime(st.Mtim), Ctime: wireTime(st.Ctim),
	}
	if !a.Gfid.IsZero() {
		w.Gfid = a.Gfid.Bytes()
	}
	return w
}

// attrIf is wireAttr when err is nil, and nothing otherwise.
func attrIf(a posix.Attr, err error) *brickpb.Attr {
	if err != nil {
		return nil
	}
	return wireAttr(a)
}

// newInode builds the description of an inode to create; a missing
// caller or a malformed gfid is EINVAL.
func newInode(g []byte, mode uint32, c *brickpb.Caller) (posix.NewInode, error) {
	id, err := parseGfid(g)
	if err != nil {
		return posix.NewInode{}, err
	}
	if c == nil {
		return posix.NewInode{}, syscall.EINVAL
	}
	return posix.NewInode{Gfid: id, Mode: mode, Uid: c.GetUid(), Gid: c.GetGid()}, nil
}

func wirePending(ps []posix.Pending) []*brickpb.Pending {
	out := make([]*brickpb.Pending, 0, len(ps))
	for _, p := range ps {
		out = append(out, &brickpb.Pending{BrickId: p.BrickID, Data: p.Data, Metadata: p.Metadata, Entry: p.Entry})
	}
	return out
}

func wireStatfs(st unix.Statfs_t) *brickpb.StatfsReply {
	return &brickpb.StatfsReply{
		Blocks: st.Blocks, Bfree: st.Bfree, Bavail: st.Bavail,
		Files: st.Files, Ffree: st.Ffree,
		Bsize: uint32(st.Bsize), Frsize: uint32(st.Frsize), Namelen: uint32(st.Namelen),
	}
}

// wireNames converts names (arbitrary bytes, not necessarily UTF-8) to the
// wire's bytes fields.
func wireNames(names []string) [][]byte {
	out := make([][]byte, len(names))
	for i, n := range names {
		out[i] = []byte(n)
	}
	return out
}
