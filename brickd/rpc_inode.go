package brickd

import (
	"context"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Inode operations: attributes, symlink targets, capacity.

func (r *rpc) Getattr(_ context.Context, req *brickpb.InodeRequest) (*brickpb.AttrReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.AttrReply {
		var a posix.Attr
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			a, err = se.brick.fs.Getattr(g)
		}
		rep := &brickpb.AttrReply{Errno: se.errno("getattr", err), Attr: attrIf(a, err)}
		if err == nil {
			rep.Linkto = a.Linkto
		}
		return rep
	})
}

func (r *rpc) Setattr(_ context.Context, req *brickpb.SetattrRequest) (*brickpb.AttrReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.AttrReply {
		var pre, post posix.Attr
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			pre, post, err = se.setattr(g, req)
		}
		if err == nil {
			se.notify(inodeEvent(g))
		}
		return &brickpb.AttrReply{Errno: se.errno("setattr", err), Attr: attrIf(post, err), Pre: attrIf(pre, err)}
	})
}

// setattr runs Setattr, through the session's open file fd when given.
func (se *session) setattr(g gfid.Gfid, req *brickpb.SetattrRequest) (pre, post posix.Attr, err error) {
	in := posix.SetattrIn{
		Valid: req.GetValid(), Mode: req.GetMode(), Uid: req.GetUid(), Gid: req.GetGid(),
		Size: req.GetSize(), Atime: posixTime(req.GetAtime()), Mtime: posixTime(req.GetMtime()),
	}
	if req.GetFd() == 0 {
		return se.brick.fs.Setattr(g, in, nil)
	}
	err = se.withFile(req.GetFd(), g, 0, func(f *posix.File) error {
		pre, post, err = se.brick.fs.Setattr(g, in, f)
		return err
	})
	return pre, post, err
}

func (r *rpc) Readlink(_ context.Context, req *brickpb.InodeRequest) (*brickpb.ReadlinkReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.ReadlinkReply {
		var target string
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			target, err = se.brick.fs.Readlink(g)
		}
		return &brickpb.ReadlinkReply{Errno: se.errno("readlink", err), Target: []byte(target)}
	})
}

func (r *rpc) Statfs(_ context.Context, req *brickpb.InodeRequest) (*brickpb.StatfsReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.StatfsReply {
		if _, err := parseOptGfid(req.GetGfid()); err != nil {
			return &brickpb.StatfsReply{Errno: se.errno("statfs", err)}
		}
		st, err := se.brick.fs.Statfs()
		if err != nil {
			return &brickpb.StatfsReply{Errno: se.errno("statfs", err)}
		}
		return wireStatfs(st)
	})
}
