package brickd

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Directory listing: Opendir, Readdir pages, Releasedir.

const (
	defaultDirPage = 256
	maxDirPage     = 4096
)

func (r *rpc) Opendir(_ context.Context, req *brickpb.InodeRequest) (*brickpb.OpenReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.OpenReply {
		var fd uint64
		var a posix.Attr
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			var d *posix.Dir
			if d, err = se.brick.fs.Opendir(g); err == nil {
				if fd, err = se.dirs.add(d); err != nil {
					d.Close()
				}
			}
		}
		if err == nil {
			a, err = se.brick.fs.Getattr(g)
		}
		return &brickpb.OpenReply{Errno: se.errno("opendir", err), Fd: fd, Attr: attrIf(a, err)}
	})
}

func (r *rpc) Readdir(_ context.Context, req *brickpb.ReaddirRequest) (*brickpb.ReaddirReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.ReaddirReply {
		max := int(req.GetMaxEntries())
		if max == 0 {
			max = defaultDirPage
		}
		max = min(max, maxDirPage)
		var ents []posix.Dirent
		var eof bool
		g, err := parseOptGfid(req.GetGfid())
		if err == nil {
			err = se.withDir(req.GetFd(), g, func(d *posix.Dir) (err error) {
				ents, eof, err = d.Read(req.GetCookie(), max)
				return err
			})
		}
		rep := &brickpb.ReaddirReply{Errno: se.errno("readdir", err), Eof: eof}
		if err == nil {
			rep.Entries = make([]*brickpb.Dirent, 0, len(ents))
			for _, e := range ents {
				rep.Entries = append(rep.Entries, &brickpb.Dirent{Name: []byte(e.Name), Cookie: e.Cookie, Attr: wireAttr(e.Attr), Linkto: e.Attr.Linkto})
			}
		}
		return rep
	})
}

// withDir runs fn with the session's open directory fd or, when fd is 0,
// with g opened for the call.
func (se *session) withDir(fd uint64, g gfid.Gfid, fn func(*posix.Dir) error) error {
	if fd == 0 {
		if g.IsZero() {
			return syscall.EINVAL
		}
		d, err := se.brick.fs.Opendir(g)
		if err != nil {
			return err
		}
		defer d.Close()
		return fn(d)
	}
	d, ok := se.dirs.get(fd)
	if !ok || (!g.IsZero() && g != d.Gfid) {
		return syscall.EBADF
	}
	return fn(d)
}

func (r *rpc) Releasedir(_ context.Context, req *brickpb.FdRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		d, ok := se.dirs.remove(req.GetFd())
		if !ok {
			return &brickpb.Reply{Errno: int32(syscall.EBADF)}
		}
		return &brickpb.Reply{Errno: se.errno("releasedir", d.Close())}
	})
}
