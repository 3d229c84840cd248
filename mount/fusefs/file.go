package fusefs

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// file is an open regular file: the kernel's file handle over the
// volume's fop.File. The fop.File keeps working after the last name of
// the inode is gone.
type file struct {
	n *node
	f fop.File
	// behind: writes go through write-behind (writebehind.go).
	behind bool
	behindErr
	// lockKeys are the lock owners that locked through this file;
	// guarded by the mount's lockTable.
	lockKeys []lockKey
}

func newFile(n *node, f fop.File, flags uint32) *file {
	return &file{n: n, f: f, behind: n.m.behind(flags)}
}

// openFlags are the open(2) flags passed to the volume: the kernel's,
// without its internal FMODE_EXEC marker.
func openFlags(flags uint32) uint32 { return flags &^ fuse.FMODE_EXEC }

// fopenFlags tell the kernel how to cache an open file. The page cache is
// kept across opens: change notifications and the kernel's own mtime
// checks invalidate it. O_APPEND writes bypass it, since the brick picks
// the offset and the kernel's cached size may be behind.
func fopenFlags(flags uint32) uint32 {
	if flags&syscall.O_APPEND != 0 {
		return fuse.FOPEN_DIRECT_IO
	}
	return fuse.FOPEN_KEEP_CACHE
}

// Open opens a regular file. An open for reading through the page cache
// may update atime first (atime.go).
func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	n.writes.settle()
	f, err := n.m.vol.Open(ctx, n.gfid, openFlags(flags))
	if err != nil {
		return nil, 0, n.m.errno("open", err)
	}
	fuseFlags := fopenFlags(flags)
	if n.m.readsCached(flags, fuseFlags) {
		n.touchAtime(ctx, f)
	}
	return newFile(n, f, flags), fuseFlags, 0
}

// Read fills dest from off. A short read means end of file, as for
// pread(2) on a regular file.
func (h *file) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	h.n.writes.settle()
	c, err := h.f.Read(ctx, dest, off)
	if err != nil {
		return nil, h.n.m.errno("read", err)
	}
	return fuse.ReadResultData(dest[:c]), 0
}

// Write writes data at off: behind (writebehind.go), or at once after
// the writes queued before it. Either way it first answers the error of
// an earlier write made behind, if one failed.
func (h *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if err := h.takeBehindErr(); err != nil {
		return 0, h.n.m.errno("write", err)
	}
	if h.behind {
		h.n.writes.writeBehind(h, data, off)
		h.n.m.changes.inode(h.n.gfid)
		return uint32(len(data)), 0
	}
	h.n.writes.settle()
	c, err := h.f.Write(ctx, data, off)
	if c > 0 {
		h.n.m.changes.inode(h.n.gfid)
	}
	if err != nil {
		return uint32(c), h.n.m.errno("write", err)
	}
	return uint32(c), 0
}

// Fsync flushes the file to stable storage; bit 0 of flags is fdatasync.
func (h *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if err := h.settled(); err != nil {
		return h.n.m.errno("fsync", err)
	}
	if err := h.f.Fsync(ctx, flags&1 != 0); err != nil {
		return h.n.m.errno("fsync", err)
	}
	return 0
}

// Flush is close(2) of one descriptor: it returns once the writes made
// behind are on the volume, with the error of one of h's that failed.
// (The lock owner's POSIX locks are released before, lock.go.)
func (h *file) Flush(ctx context.Context) syscall.Errno {
	if err := h.settled(); err != nil {
		return h.n.m.errno("flush", err)
	}
	return 0
}

// Release is the last close of the open file. Writes made behind and
// mmap writeback through it are finished first.
func (h *file) Release(ctx context.Context) syscall.Errno {
	if err := h.settled(); err != nil {
		h.n.m.log.Error("fusefs: a write made behind failed and no close or fsync reported it",
			"gfid", h.n.gfid.String(), "err", err)
	}
	h.n.m.locks.released(h)
	if err := h.f.Release(ctx); err != nil {
		return h.n.m.errno("release", err)
	}
	return 0
}

// Allocate is fallocate(2).
func (h *file) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	h.n.writes.settle()
	if err := h.f.Fallocate(ctx, mode, int64(off), int64(size)); err != nil {
		return h.n.m.errno("fallocate", err)
	}
	h.n.m.changes.inode(h.n.gfid)
	return 0
}

// Lseek answers SEEK_DATA and SEEK_HOLE; the kernel handles the others.
func (h *file) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	h.n.writes.settle()
	o, err := h.f.Lseek(ctx, int64(off), int(whence))
	if err != nil {
		return 0, h.n.m.errno("lseek", err)
	}
	return uint64(o), 0
}

// releaseQuietly releases a file that will never reach the kernel.
func (m *mount) releaseQuietly(ctx context.Context, f fop.File) {
	if err := f.Release(ctx); err != nil {
		m.log.Warn("fusefs: releasing an unused file", "err", err)
	}
}
