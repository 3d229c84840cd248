package brickd

import (
	"context"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Entry operations: lookup, creation and removal of names.

func (r *rpc) Lookup(_ context.Context, req *brickpb.LookupRequest) (*brickpb.EntryReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.EntryReply {
		var e posix.Entry
		parent, err := parseGfid(req.GetParent())
		if err == nil {
			var want gfid.Gfid
			if want, err = parseOptGfid(req.GetGfidReq()); err == nil {
				e, err = se.brick.fs.Lookup(parent, string(req.GetName()), want, req.GetWantPending())
			}
		}
		return entryReply(se, "lookup", e.Attr, err, wirePending(e.Pending))
	})
}

// entryReply builds the reply of an operation that yields an entry.
func entryReply(se *session, op string, a posix.Attr, err error, p []*brickpb.Pending) *brickpb.EntryReply {
	rep := &brickpb.EntryReply{Errno: se.errno(op, err)}
	if err == nil {
		rep.Attr, rep.Linkto, rep.Pending = wireAttr(a), a.Linkto, p
	}
	return rep
}

// created queues the events of an entry that appeared or vanished: the
// entry, and the directory whose mtime and ctime changed.
func (se *session) created(parent gfid.Gfid, name string) {
	se.notify(entryEvent(parent, name), inodeEvent(parent))
}

func (r *rpc) Mkdir(_ context.Context, req *brickpb.MkdirRequest) (*brickpb.EntryReply, error) {
	name := string(req.GetName())
	return r.makeEntry(req.GetSession(), "mkdir", req.GetParent(), name, req.GetGfid(), req.GetMode(), req.GetCaller(),
		func(fs *posix.Brick, p gfid.Gfid, n posix.NewInode) (posix.Attr, error) {
			n.Umask = req.GetUmask()
			return fs.Mkdir(p, name, n)
		})
}

func (r *rpc) Mknod(_ context.Context, req *brickpb.MknodRequest) (*brickpb.EntryReply, error) {
	name := string(req.GetName())
	return r.makeEntry(req.GetSession(), "mknod", req.GetParent(), name, req.GetGfid(), req.GetMode(), req.GetCaller(),
		func(fs *posix.Brick, p gfid.Gfid, n posix.NewInode) (posix.Attr, error) {
			n.Rdev, n.Linkto, n.Umask = req.GetRdev(), req.GetLinkto(), req.GetUmask()
			return fs.Mknod(p, name, n)
		})
}

func (r *rpc) Symlink(_ context.Context, req *brickpb.SymlinkRequest) (*brickpb.EntryReply, error) {
	name := string(req.GetName())
	return r.makeEntry(req.GetSession(), "symlink", req.GetParent(), name, req.GetGfid(), 0o777, req.GetCaller(),
		func(fs *posix.Brick, p gfid.Gfid, n posix.NewInode) (posix.Attr, error) {
			return fs.Symlink(p, name, string(req.GetTarget()), n)
		})
}

// makeEntry is the common part of Mkdir, Mknod and Symlink.
func (r *rpc) makeEntry(sid uint64, op string, parent []byte, name string, g []byte, mode uint32, c *brickpb.Caller,
	mk func(*posix.Brick, gfid.Gfid, posix.NewInode) (posix.Attr, error)) (*brickpb.EntryReply, error) {
	return call(r, sid, func(se *session) *brickpb.EntryReply {
		var a posix.Attr
		p, err := parseGfid(parent)
		if err == nil {
			var n posix.NewInode
			if n, err = newInode(g, mode, c); err == nil {
				a, err = mk(se.brick.fs, p, n)
			}
		}
		if err == nil {
			se.created(p, name)
		}
		return entryReply(se, op, a, err, nil)
	})
}

func (r *rpc) Link(_ context.Context, req *brickpb.LinkRequest) (*brickpb.EntryReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.EntryReply {
		var a posix.Attr
		name := string(req.GetNewName())
		g, err := parseGfid(req.GetGfid())
		p, perr := parseGfid(req.GetNewParent())
		if err == nil && perr == nil {
			a, err = se.brick.fs.Link(g, p, name)
		} else if err == nil {
			err = perr
		}
		if err == nil {
			se.created(p, name)
			se.notify(inodeEvent(g))
		}
		return entryReply(se, "link", a, err, nil)
	})
}

func (r *rpc) Unlink(_ context.Context, req *brickpb.EntryRequest) (*brickpb.UnlinkReply, error) {
	return r.removeEntry(req, "unlink", (*posix.Brick).Unlink)
}

func (r *rpc) Rmdir(_ context.Context, req *brickpb.EntryRequest) (*brickpb.UnlinkReply, error) {
	return r.removeEntry(req, "rmdir", (*posix.Brick).Rmdir)
}

// removeEntry is the common part of Unlink and Rmdir.
func (r *rpc) removeEntry(req *brickpb.EntryRequest, op string, rm func(*posix.Brick, gfid.Gfid, string) (posix.Attr, error)) (*brickpb.UnlinkReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.UnlinkReply {
		var a posix.Attr
		name := string(req.GetName())
		p, err := parseGfid(req.GetParent())
		if err == nil {
			a, err = rm(se.brick.fs, p, name)
		}
		if err == nil {
			se.created(p, name)
			if !a.Gfid.IsZero() {
				se.notify(inodeEvent(a.Gfid))
			}
		}
		return &brickpb.UnlinkReply{Errno: se.errno(op, err), Attr: attrIf(a, err)}
	})
}

func (r *rpc) Rename(_ context.Context, req *brickpb.RenameRequest) (*brickpb.RenameReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.RenameReply {
		var res posix.Renamed
		oldName, newName := string(req.GetOldName()), string(req.GetNewName())
		op, err := parseGfid(req.GetOldParent())
		np, nerr := parseGfid(req.GetNewParent())
		if err == nil && nerr == nil {
			res, err = se.brick.fs.Rename(op, oldName, np, newName, uint(req.GetFlags()))
		} else if err == nil {
			err = nerr
		}
		rep := &brickpb.RenameReply{Errno: se.errno("rename", err), Attr: attrIf(res.Attr, err)}
		if err == nil {
			se.created(op, oldName)
			se.created(np, newName)
			se.notify(inodeEvent(res.Attr.Gfid))
			if res.Replaced != nil {
				rep.Replaced = wireAttr(*res.Replaced)
				se.notify(inodeEvent(res.Replaced.Gfid))
			}
		}
		return rep
	})
}
