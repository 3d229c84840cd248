package fusefs

import (
	"github.com/hanwen/go-fuse/v2/fuse"
)

// rawFS is go-fuse's file system (the node bridge) with some requests
// seen first: FLUSH, whose lock owner go-fuse's FileFlusher does not
// receive, yet close(2) must release that owner's POSIX locks (lock.go);
// CREATE, MKNOD and MKDIR, whose umask the nodes do not receive
// (umask.go); every reply with a cache lifetime (timeouts.go).
type rawFS struct {
	fuse.RawFileSystem
	m *mount
}

func (r *rawFS) Flush(cancel <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	ctx := &fuse.Context{Caller: in.Caller, Cancel: cancel}
	if errno := r.m.flush(ctx, in.NodeId, in.LockOwner); errno != 0 {
		return fuse.Status(errno)
	}
	return r.RawFileSystem.Flush(cancel, in)
}

func (r *rawFS) Create(cancel <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	return r.entryReply(r.m.umasks.with(cancel, in.Umask, func() fuse.Status { return r.RawFileSystem.Create(cancel, in, name, out) }), &out.EntryOut)
}

func (r *rawFS) Mknod(cancel <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	return r.entryReply(r.m.umasks.with(cancel, in.Umask, func() fuse.Status { return r.RawFileSystem.Mknod(cancel, in, name, out) }), out)
}

func (r *rawFS) Mkdir(cancel <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	return r.entryReply(r.m.umasks.with(cancel, in.Umask, func() fuse.Status { return r.RawFileSystem.Mkdir(cancel, in, name, out) }), out)
}

// Lookup replies with the mount's current cache lifetimes; a missing name
// becomes a negative entry when those are cached (timeouts.go).
func (r *rawFS) Lookup(cancel <-chan struct{}, header *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	st := r.RawFileSystem.Lookup(cancel, header, name, out)
	switch {
	case st == fuse.OK:
		r.m.timeouts.entryOut(out)
	case st == fuse.ENOENT && r.m.timeouts.negativeOut(out):
		st = fuse.OK
	}
	return st
}

func (r *rawFS) Symlink(cancel <-chan struct{}, header *fuse.InHeader, target, name string, out *fuse.EntryOut) fuse.Status {
	return r.entryReply(r.RawFileSystem.Symlink(cancel, header, target, name, out), out)
}

func (r *rawFS) Link(cancel <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	return r.entryReply(r.RawFileSystem.Link(cancel, in, name, out), out)
}

func (r *rawFS) GetAttr(cancel <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	st := r.RawFileSystem.GetAttr(cancel, in, out)
	if st == fuse.OK {
		r.m.timeouts.attrOut(out)
	}
	return st
}

func (r *rawFS) SetAttr(cancel <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	st := r.RawFileSystem.SetAttr(cancel, in, out)
	if st == fuse.OK {
		r.m.timeouts.attrOut(out)
	}
	return st
}

// entryReply gives a successful reply the current cache lifetimes.
func (r *rawFS) entryReply(st fuse.Status, out *fuse.EntryOut) fuse.Status {
	if st == fuse.OK {
		r.m.timeouts.entryOut(out)
	}
	return st
}
