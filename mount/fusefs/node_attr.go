package fusefs

import (
	"context"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// Getattr is stat(2). The kernel sends no file handle worth using: the
// volume answers by gfid, open or not.
func (n *node) Getattr(ctx context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.writes.settle()
	e, err := n.m.vol.Getattr(ctx, n.gfid)
	if err != nil {
		return n.m.errno("getattr", err)
	}
	n.tell(&out.Attr, &e.Attr)
	return 0
}

// Setattr is chmod, chown, truncate, ftruncate and utimensat.
func (n *node) Setattr(ctx context.Context, _ fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	s := setattrIn(in, time.Now())
	if s.Valid == 0 {
		return n.Getattr(ctx, nil, out)
	}
	defer n.caps.invalidate()
	n.writes.settle()
	a, err := n.m.vol.Setattr(ctx, n.gfid, s)
	if err != nil {
		return n.m.errno("setattr", err)
	}
	n.m.changes.inode(n.gfid)
	n.tell(&out.Attr, &a)
	n.m.timeouts.attrOut(out)
	return 0
}

// setattrIn converts the kernel's request. UTIME_NOW sets both the time
// bit and its "now" bit, with now as the time, so a layer may use either
// its own clock or the client's; UTIME_OMIT sets neither. Bits the volume
// has no use for (ctime, lock owner, kill-suid) are dropped.
func setattrIn(in *fuse.SetAttrIn, now time.Time) fop.SetattrIn {
	var s fop.SetattrIn
	if m, ok := in.GetMode(); ok {
		s.Valid, s.Mode = s.Valid|fop.SetMode, m
	}
	if uid, ok := in.GetUID(); ok {
		s.Valid, s.Uid = s.Valid|fop.SetUid, uid
	}
	if gid, ok := in.GetGID(); ok {
		s.Valid, s.Gid = s.Valid|fop.SetGid, gid
	}
	if size, ok := in.GetSize(); ok {
		s.Valid, s.Size = s.Valid|fop.SetSize, size
	}
	nowTs := fop.Timespec{Sec: now.Unix(), Nsec: uint32(now.Nanosecond())}
	if in.Valid&fuse.FATTR_ATIME != 0 {
		s.Valid |= fop.SetAtime
		s.Atime = fop.Timespec{Sec: int64(in.Atime), Nsec: in.Atimensec}
		if in.Valid&fuse.FATTR_ATIME_NOW != 0 {
			s.Valid, s.Atime = s.Valid|fop.SetAtimeNow, nowTs
		}
	}
	if in.Valid&fuse.FATTR_MTIME != 0 {
		s.Valid |= fop.SetMtime
		s.Mtime = fop.Timespec{Sec: int64(in.Mtime), Nsec: in.Mtimensec}
		if in.Valid&fuse.FATTR_MTIME_NOW != 0 {
			s.Valid, s.Mtime = s.Valid|fop.SetMtimeNow, nowTs
		}
	}
	return s
}

// Statfs is statfs(2) of the whole volume.
func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	st, err := n.m.vol.Statfs(ctx, n.gfid)
	if err != nil {
		return n.m.errno("statfs", err)
	}
	*out = fuse.StatfsOut{
		Blocks: st.Blocks, Bfree: st.Bfree, Bavail: st.Bavail,
		Files: st.Files, Ffree: st.Ffree,
		Bsize: st.Bsize, Frsize: st.Frsize, NameLen: st.Namelen,
	}
	if out.Frsize == 0 {
		out.Frsize = out.Bsize
	}
	return 0
}

// Readlink returns a symlink's target. The kernel caches it: a symlink's
// target never changes.
func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	t, err := n.m.vol.Readlink(ctx, n.gfid)
	if err != nil {
		return nil, n.m.errno("readlink", err)
	}
	return []byte(t), 0
}
