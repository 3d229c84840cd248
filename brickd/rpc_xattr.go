package brickd

import (
	"context"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Extended attributes (trusted.mortar.* is refused by the posix layer).

func (r *rpc) Getxattr(_ context.Context, req *brickpb.GetxattrRequest) (*brickpb.GetxattrReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.GetxattrReply {
		var v []byte
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			v, err = se.brick.fs.Getxattr(g, string(req.GetName()))
		}
		return &brickpb.GetxattrReply{Errno: se.errno("getxattr", err), Value: v}
	})
}

func (r *rpc) Setxattr(_ context.Context, req *brickpb.SetxattrRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			err = se.brick.fs.Setxattr(g, string(req.GetName()), req.GetValue(), int(req.GetFlags()))
		}
		if err == nil {
			se.notify(inodeEvent(g))
		}
		return &brickpb.Reply{Errno: se.errno("setxattr", err)}
	})
}

func (r *rpc) Listxattr(_ context.Context, req *brickpb.InodeRequest) (*brickpb.ListxattrReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.ListxattrReply {
		var names []string
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			names, err = se.brick.fs.Listxattr(g)
		}
		return &brickpb.ListxattrReply{Errno: se.errno("listxattr", err), Names: wireNames(names)}
	})
}

func (r *rpc) Removexattr(_ context.Context, req *brickpb.GetxattrRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			err = se.brick.fs.Removexattr(g, string(req.GetName()))
		}
		if err == nil {
			se.notify(inodeEvent(g))
		}
		return &brickpb.Reply{Errno: se.errno("removexattr", err)}
	})
}
