package brickd

import (
	"context"
	"slices"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// Extended attributes (trusted.mortar.* is refused by the posix layer).

func (r *rpc) Getxattr(_ context.Context, req *brickpb.GetxattrRequest) (*brickpb.GetxattrReply, error) {
	se, done, err := r.begin(req.GetSession())
	if err != nil {
		return nil, err
	}
	defer done()
	var v []byte
	g, err := parseGfid(req.GetGfid())
	if err == nil {
		v, err = se.brick.fs.Getxattr(g, req.GetName())
	}
	return &brickpb.GetxattrReply{Errno: se.errno("getxattr", err), Value: v}, nil
}

func (r *rpc) Setxattr(_ context.Context, req *brickpb.SetxattrRequest) (*brickpb.Reply, error) {
	se, done, err := r.begin(req.GetSession())
	if err != nil {
		return nil, err
	}
	defer done()
	g, err := parseGfid(req.GetGfid())
	if err == nil {
		err = se.brick.fs.Setxattr(g, req.GetName(), req.GetValue(), int(req.GetFlags()))
	}
	if err == nil {
		se.notify(inodeEvent(g))
	}
	return &brickpb.Reply{Errno: se.errno("setxattr", err)}, nil
}

func (r *rpc) Listxattr(_ context.Context, req *brickpb.InodeRequest) (*brickpb.ListxattrReply, error) {
	se, done, err := r.begin(req.GetSession())
	if err != nil {
		return nil, err
	}
	defer done()
	var names []string
	g, err := parseGfid(req.GetGfid())
	if err == nil {
		names, err = se.brick.fs.Listxattr(g)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return !wireString(n) })
	return &brickpb.ListxattrReply{Errno: se.errno("listxattr", err), Names: names}, nil
}

func (r *rpc) Removexattr(_ context.Context, req *brickpb.GetxattrRequest) (*brickpb.Reply, error) {
	se, done, err := r.begin(req.GetSession())
	if err != nil {
		return nil, err
	}
	defer done()
	g, err := parseGfid(req.GetGfid())
	if err == nil {
		err = se.brick.fs.Removexattr(g, req.GetName())
	}
	if err == nil {
		se.notify(inodeEvent(g))
	}
	return &brickpb.Reply{Errno: se.errno("removexattr", err)}, nil
}
