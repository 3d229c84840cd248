package brickd

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
	"golang.org/x/sys/unix"
)

// Open files: Create, Open, I/O, Flush, Release.

// withFile runs fn with the session's open file fd (whose gfid must be g
// when g is set) or, when fd is 0, with g opened with flags for the call
// (an anonymous fd).
func (se *session) withFile(fd uint64, g gfid.Gfid, flags int, fn func(*posix.File) error) error {
	if fd == 0 {
		if g.IsZero() {
			return syscall.EINVAL
		}
		f, _, err := se.brick.fs.Open(g, flags)
		if err != nil {
			return err
		}
		defer f.Close()
		return fn(f)
	}
	of, ok := se.files.get(fd)
	if !ok || (!g.IsZero() && g != of.gfid) {
		return syscall.EBADF
	}
	return of.use(fn)
}

// addFile registers f in the session's fd table.
func (se *session) addFile(f *posix.File) (uint64, error) {
	fd, err := se.files.add(&openFile{gfid: f.Gfid, f: f})
	if err != nil {
		f.Close()
	}
	return fd, err
}

func (r *rpc) Create(_ context.Context, req *brickpb.CreateRequest) (*brickpb.CreateReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.CreateReply {
		var a, pa posix.Attr
		var fd uint64
		var locked, made, busy bool
		p, err := parseGfid(req.GetParent())
		if err == nil && req.GetEntryLockDomain() != "" {
			busy, err = se.entryTryLock(p, string(req.GetName()), req.GetEntryLockDomain(), req.GetEntryLockOwner())
		}
		if err == nil {
			var n posix.NewInode
			if n, err = newInode(req.GetGfid(), req.GetMode(), req.GetCaller()); err == nil {
				n.Umask = req.GetUmask()
				if req.GetLockDomain() == "" {
					a, fd, made, err = se.create(p, string(req.GetName()), int(req.GetFlags()), n)
				} else {
					a, fd, locked, made, err = se.createLocked(p, string(req.GetName()), int(req.GetFlags()), n, req)
				}
			}
		}
		rep := &brickpb.CreateReply{Errno: se.errno("create", err), Attr: attrIf(a, err), Fd: fd, Locked: locked, EntryLockBusy: busy}
		if made && req.GetEntryUnlockDomain() != "" {
			rep.EntryUnlocked = se.entryUnlock(p, string(req.GetName()), req.GetEntryUnlockDomain(), req.GetEntryUnlockOwner())
		}
		if made {
			var perr error
			pa, perr = se.brick.fs.Getattr(p)
			rep.ParentAttr = attrIf(pa, perr)
		}
		return rep
	})
}

// create runs Create, registers the file and queues the events; made
// says whether the call made the file.
func (se *session) create(p gfid.Gfid, name string, flags int, n posix.NewInode) (posix.Attr, uint64, bool, error) {
	f, a, made, err := se.brick.fs.Create(p, name, flags, n)
	if err != nil {
		return a, 0, false, err
	}
	fd, err := se.addFile(f)
	switch {
	case err != nil:
	case made:
		se.created(p, name)
	case flags&unix.O_TRUNC != 0:
		se.notify(inodeEvent(a.Gfid))
	}
	return a, fd, made, err
}

func (r *rpc) Open(_ context.Context, req *brickpb.OpenRequest) (*brickpb.OpenReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.OpenReply {
		var a posix.Attr
		var fd uint64
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			var f *posix.File
			if f, a, err = se.brick.fs.Open(g, int(req.GetFlags())); err == nil {
				fd, err = se.addFile(f)
			}
		}
		if err == nil && req.GetFlags()&unix.O_TRUNC != 0 {
			se.notify(inodeEvent(g))
		}
		return &brickpb.OpenReply{Errno: se.errno("open", err), Fd: fd, Attr: attrIf(a, err)}
	})
}

func (r *rpc) Read(_ context.Context, req *brickpb.ReadRequest) (*brickpb.ReadReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.ReadReply {
		var data []byte
		g, err := parseOptGfid(req.GetGfid())
		if err == nil && (req.GetSize() > maxIO || req.GetOffset() < 0) {
			err = syscall.EINVAL
		}
		if err == nil {
			err = se.withFile(req.GetFd(), g, unix.O_RDONLY, func(f *posix.File) error {
				buf := make([]byte, req.GetSize())
				n, err := f.ReadAt(buf, req.GetOffset())
				data = buf[:n]
				return err
			})
		}
		return &brickpb.ReadReply{Errno: se.errno("read", err), Data: data}
	})
}

func (r *rpc) Write(_ context.Context, req *brickpb.WriteRequest) (*brickpb.WriteReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.WriteReply {
		var n int
		var a posix.Attr
		g, err := parseOptGfid(req.GetGfid())
		if err == nil && (len(req.GetData()) > maxIO || req.GetOffset() < 0) {
			err = syscall.EINVAL
		}
		if err == nil {
			err = se.withFile(req.GetFd(), g, unix.O_WRONLY, func(f *posix.File) (err error) {
				if n, err = f.WriteAt(req.GetData(), req.GetOffset()); err == nil {
					a, err = f.Stat()
				}
				return err
			})
		}
		if n > 0 {
			se.notify(inodeEvent(a.Gfid))
		}
		return &brickpb.WriteReply{Errno: se.errno("write", err), Written: uint32(n), Attr: attrIf(a, err)}
	})
}

func (r *rpc) Flush(_ context.Context, req *brickpb.FdRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		g, err := se.fdGfid(req.GetFd(), req.GetGfid())
		if err == nil {
			se.brick.locks.ReleaseOwner(locks.Key{Space: locks.Posix, Gfid: g}, locks.Owner{Session: se.id, ID: req.GetLockOwner()})
		}
		return &brickpb.Reply{Errno: se.errno("flush", err)}
	})
}

// fdGfid returns the gfid of the session's open file fd, or the request's
// gfid when fd is 0.
func (se *session) fdGfid(fd uint64, wire []byte) (gfid.Gfid, error) {
	g, err := parseOptGfid(wire)
	if err != nil || fd == 0 {
		if err == nil && g.IsZero() {
			err = syscall.EINVAL
		}
		return g, err
	}
	of, ok := se.files.get(fd)
	if !ok || (!g.IsZero() && g != of.gfid) {
		return g, syscall.EBADF
	}
	return of.gfid, nil
}

func (r *rpc) Fsync(_ context.Context, req *brickpb.FsyncRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		g, err := parseOptGfid(req.GetGfid())
		if err == nil {
			err = se.withFile(req.GetFd(), g, unix.O_RDONLY, func(f *posix.File) error {
				return f.Sync(req.GetDatasync())
			})
		}
		return &brickpb.Reply{Errno: se.errno("fsync", err)}
	})
}

func (r *rpc) Fallocate(_ context.Context, req *brickpb.FallocateRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		var fg gfid.Gfid
		g, err := parseOptGfid(req.GetGfid())
		if err == nil {
			err = se.withFile(req.GetFd(), g, unix.O_WRONLY, func(f *posix.File) error {
				fg = f.Gfid
				return f.Allocate(req.GetMode(), req.GetOffset(), req.GetLength())
			})
		}
		if err == nil {
			se.notify(inodeEvent(fg))
		}
		return &brickpb.Reply{Errno: se.errno("fallocate", err)}
	})
}

func (r *rpc) Lseek(_ context.Context, req *brickpb.LseekRequest) (*brickpb.LseekReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.LseekReply {
		var off int64
		g, err := parseOptGfid(req.GetGfid())
		if err == nil {
			err = se.withFile(req.GetFd(), g, unix.O_RDONLY, func(f *posix.File) (err error) {
				off, err = f.Seek(req.GetOffset(), int(req.GetWhence()))
				return err
			})
		}
		return &brickpb.LseekReply{Errno: se.errno("lseek", err), Offset: off}
	})
}

func (r *rpc) Release(_ context.Context, req *brickpb.FdRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		if d := req.GetUnlockDomain(); d == "" && len(req.GetPostOp()) > 0 || len(d) > maxDomain {
			return &brickpb.Reply{Errno: int32(syscall.EINVAL)}
		}
		of, ok := se.files.remove(req.GetFd())
		if !ok {
			return &brickpb.Reply{Errno: int32(syscall.EBADF)}
		}
		var err error
		if d := req.GetUnlockDomain(); d != "" {
			lk := locks.Lock{Type: locks.Unlock, End: locks.ToEOF, Owner: locks.Owner{Session: se.id, ID: req.GetUnlockOwner()}}
			err = se.postOpAndLock(context.Background(), of.gfid, d, lk, brickpb.LkCmd_LK_SET, req.GetPostOp())
		}
		se.closeFile(req.GetFd(), of)
		return &brickpb.Reply{Errno: se.errno("release", err)}
	})
}
