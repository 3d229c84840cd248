package client

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// file is an open regular file on the brick. It implements fop.File.
type file struct {
	h *handle
}

var _ fop.File = (*file)(nil)

// Open opens the inode gfid with open(2) flags (O_CREAT and O_EXCL are
// ignored by the brick; O_TRUNC is applied).
func (b *Brick) Open(ctx context.Context, gfid fop.Gfid, flags uint32) (fop.File, error) {
	var f *file
	err := b.call(ctx, "open", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Open(ctx, &brickpb.OpenRequest{Session: s.id, Gfid: gfid[:], Flags: flags})
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		f = &file{h: newHandle(b, gfid, false, flags, r.GetFd(), s)}
		return 0, nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// fdCall is call for an operation on the open file: rpc gets the fd valid
// on its session (reopening the file after a reconnect).
func (f *file) fdCall(ctx context.Context, op string, rpc func(ctx context.Context, s *session, fd uint64) (int32, error)) error {
	return f.h.b.call(ctx, op, f.h.gfid, func(ctx context.Context, s *session) (int32, error) {
		fd, err := f.h.fdFor(ctx, s)
		if err != nil {
			return 0, err
		}
		return rpc(ctx, s, fd)
	})
}

// Read reads into dest from off, in RPCs of at most MaxIO bytes. At end of
// file it returns fewer bytes than asked and no error.
func (f *file) Read(ctx context.Context, dest []byte, off int64) (int, error) {
	n := 0
	for n < len(dest) {
		chunk := min(len(dest)-n, MaxIO)
		got := 0
		err := f.fdCall(ctx, "read", func(ctx context.Context, s *session, fd uint64) (int32, error) {
			r, err := f.h.b.rpc.Read(ctx, &brickpb.ReadRequest{
				Session: s.id, Gfid: f.h.gfid[:], Fd: fd, Offset: off + int64(n), Size: uint32(chunk),
			})
			got = copy(dest[n:n+chunk], r.GetData())
			return r.GetErrno(), err
		})
		if err != nil {
			return n, err
		}
		n += got
		if got < chunk {
			break
		}
	}
	return n, nil
}

// Write writes data at off (the brick ignores off for O_APPEND), in RPCs of
// at most MaxIO bytes. It stops at the first short write.
func (f *file) Write(ctx context.Context, data []byte, off int64) (int, error) {
	n := 0
	for n < len(data) {
		chunk := min(len(data)-n, MaxIO)
		written := 0
		err := f.fdCall(ctx, "write", func(ctx context.Context, s *session, fd uint64) (int32, error) {
			r, err := f.h.b.rpc.Write(ctx, &brickpb.WriteRequest{
				Session: s.id, Gfid: f.h.gfid[:], Fd: fd, Offset: off + int64(n), Data: data[n : n+chunk],
			})
			written = int(r.GetWritten())
			return r.GetErrno(), err
		})
		if err != nil {
			return n, err
		}
		n += written
		if written < chunk {
			break
		}
	}
	return n, nil
}

// Flush is close(2) of one descriptor by lockOwner: the brick releases the
// owner's POSIX locks on the file. Without a lock of this client on the
// inode there is nothing to release, and no RPC is sent.
func (f *file) Flush(ctx context.Context, lockOwner uint64) error {
	return f.fdCall(ctx, "flush", func(ctx context.Context, s *session, fd uint64) (int32, error) {
		if !f.h.b.posix.has(s.gen, f.h.gfid) {
			return 0, nil // no lock of this client to drop (posixlocks.go)
		}
		r, err := f.h.b.rpc.Flush(ctx, &brickpb.FdRequest{Session: s.id, Gfid: f.h.gfid[:], Fd: fd, LockOwner: lockOwner})
		return r.GetErrno(), err
	})
}

// Fsync flushes the file's data (and metadata unless datasync) to disk.
func (f *file) Fsync(ctx context.Context, datasync bool) error {
	return f.fdCall(ctx, "fsync", func(ctx context.Context, s *session, fd uint64) (int32, error) {
		r, err := f.h.b.rpc.Fsync(ctx, &brickpb.FsyncRequest{Session: s.id, Gfid: f.h.gfid[:], Fd: fd, Datasync: datasync})
		return r.GetErrno(), err
	})
}

// Fallocate is fallocate(2) on the file.
func (f *file) Fallocate(ctx context.Context, mode uint32, off, length int64) error {
	return f.fdCall(ctx, "fallocate", func(ctx context.Context, s *session, fd uint64) (int32, error) {
		r, err := f.h.b.rpc.Fallocate(ctx, &brickpb.FallocateRequest{
			Session: s.id, Gfid: f.h.gfid[:], Fd: fd, Mode: mode, Offset: off, Length: length,
		})
		return r.GetErrno(), err
	})
}

// Lseek answers SEEK_DATA and SEEK_HOLE.
func (f *file) Lseek(ctx context.Context, off int64, whence int) (int64, error) {
	var out int64
	err := f.fdCall(ctx, "lseek", func(ctx context.Context, s *session, fd uint64) (int32, error) {
		r, err := f.h.b.rpc.Lseek(ctx, &brickpb.LseekRequest{
			Session: s.id, Gfid: f.h.gfid[:], Fd: fd, Offset: off, Whence: uint32(whence),
		})
		out = r.GetOffset()
		return r.GetErrno(), err
	})
	return out, err
}

// Release closes the file on the brick (nothing to do when its fd died
// with an earlier session).
func (f *file) Release(ctx context.Context) error { return f.h.release(ctx, nil) }

// ReleaseEnding is Release that also ends an eager window of the inode:
// its post-op and unlock ride on the release (fop.EndingReleaser).
func (f *file) ReleaseEnding(ctx context.Context, end fop.WindowEnd) error {
	return f.h.release(ctx, &end)
}
