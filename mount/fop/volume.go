package fop

import "context"

// Volume is the set of operations every layer of the client stack offers.
type Volume interface {
	Lookup(ctx context.Context, parent Gfid, name string) (Entry, error)
	Getattr(ctx context.Context, gfid Gfid) (Entry, error)
	Setattr(ctx context.Context, gfid Gfid, in SetattrIn) (Attr, error)

	Create(ctx context.Context, parent Gfid, name string, flags uint32, in NewInode) (Entry, File, error)
	Mkdir(ctx context.Context, parent Gfid, name string, in NewInode) (Entry, error)
	Mknod(ctx context.Context, parent Gfid, name string, in NewInode) (Entry, error)
	Symlink(ctx context.Context, parent Gfid, name, target string, in NewInode) (Entry, error)
	Link(ctx context.Context, gfid, newParent Gfid, newName string) (Entry, error)
	Unlink(ctx context.Context, parent Gfid, name string) error
	Rmdir(ctx context.Context, parent Gfid, name string) error
	Rename(ctx context.Context, oldParent Gfid, oldName string, newParent Gfid, newName string, flags uint32) error
	Readlink(ctx context.Context, gfid Gfid) (string, error)
	Statfs(ctx context.Context, gfid Gfid) (Statfs, error)

	Getxattr(ctx context.Context, gfid Gfid, name string) ([]byte, error)
	Setxattr(ctx context.Context, gfid Gfid, name string, value []byte, flags uint32) error
	Listxattr(ctx context.Context, gfid Gfid) ([]string, error)
	Removexattr(ctx context.Context, gfid Gfid, name string) error

	Open(ctx context.Context, gfid Gfid, flags uint32) (File, error)
	Opendir(ctx context.Context, gfid Gfid) (Dir, error)

	// Watch registers the sink of change notifications made by other
	// clients. It is called once, before the volume is used; fn must not
	// block (hand the event to a queue).
	Watch(fn func(Event))
	// Close ends every connection and background task of the layer.
	Close() error
}

// File is an open regular file.
type File interface {
	Read(ctx context.Context, dest []byte, off int64) (int, error)
	Write(ctx context.Context, data []byte, off int64) (int, error)
	// Flush is close(2) of one descriptor of the file by lockOwner.
	Flush(ctx context.Context, lockOwner uint64) error
	Fsync(ctx context.Context, datasync bool) error
	Fallocate(ctx context.Context, mode uint32, off, length int64) error
	// Lseek answers SEEK_DATA and SEEK_HOLE.
	Lseek(ctx context.Context, off int64, whence int) (int64, error)
	Getlk(ctx context.Context, lk Lock) (Lock, error)
	Setlk(ctx context.Context, lk Lock, wait bool) error
	// Release is the last close of the open file.
	Release(ctx context.Context) error
}

// WindowEnd is the end of an eager lock window (afr): the post-op deltas
// and the release of the inode lock in Domain held by Owner.
type WindowEnd struct {
	Domain string
	Owner  uint64
	PostOp []PendingDelta
}

// EndingReleaser is a File of one brick whose release can end an eager
// window of its inode in the same round trip (post-op, unlock, close).
type EndingReleaser interface {
	ReleaseEnding(ctx context.Context, end WindowEnd) error
}

// Dir is an open directory.
type Dir interface {
	// Readdir returns entries after cookie (0: from the start), at most
	// max of them, and whether the end was reached.
	Readdir(ctx context.Context, cookie uint64, max int) ([]Dirent, bool, error)
	Release(ctx context.Context) error
}
