package fusefs

import (
	"github.com/hanwen/go-fuse/v2/fuse"
)

// rawFS is go-fuse's file system (the node bridge) with some requests
// seen first: FLUSH, whose lock owner go-fuse's FileFlusher does not
// receive, yet close(2) must release that owner's POSIX locks (lock.go);
// CREATE, MKNOD and MKDIR, whose umask the nodes do not receive
// (umask.go).
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
	return r.m.umasks.with(cancel, in.Umask, func() fuse.Status { return r.RawFileSystem.Create(cancel, in, name, out) })
}

func (r *rawFS) Mknod(cancel <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	return r.m.umasks.with(cancel, in.Umask, func() fuse.Status { return r.RawFileSystem.Mknod(cancel, in, name, out) })
}

func (r *rawFS) Mkdir(cancel <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	return r.m.umasks.with(cancel, in.Umask, func() fuse.Status { return r.RawFileSystem.Mkdir(cancel, in, name, out) })
}
