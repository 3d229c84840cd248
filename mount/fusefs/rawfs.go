package fusefs

import (
	"github.com/hanwen/go-fuse/v2/fuse"
)

// rawFS is go-fuse's file system (the node bridge) with one request seen
// first: FLUSH, whose lock owner go-fuse's FileFlusher does not receive,
// yet close(2) must release that owner's POSIX locks (lock.go).
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
