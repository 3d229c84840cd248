package client

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// dir is an open directory on the brick. It implements fop.Dir.
type dir struct {
	h *handle
}

var _ fop.Dir = (*dir)(nil)

// Opendir opens the directory gfid for reading.
func (b *Brick) Opendir(ctx context.Context, gfid fop.Gfid) (fop.Dir, error) {
	var d *dir
	err := b.call(ctx, "opendir", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: s.id, Gfid: gfid[:]})
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		d = &dir{h: newHandle(b, gfid, true, 0, r.GetFd(), s)}
		return 0, nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Readdir returns at most max entries after cookie (0: from the start),
// with their attributes; fop cookies are the brick's cookies. Linkto is set
// on dht pointer files, which dht hides.
func (d *dir) Readdir(ctx context.Context, cookie uint64, max int) ([]fop.Dirent, bool, error) {
	var (
		out []fop.Dirent
		eof bool
	)
	err := d.h.b.call(ctx, "readdir", d.h.gfid, func(ctx context.Context, s *session) (int32, error) {
		fd, err := d.h.fdFor(ctx, s)
		if err != nil {
			return 0, err
		}
		r, err := d.h.b.rpc.Readdir(ctx, &brickpb.ReaddirRequest{
			Session: s.id, Gfid: d.h.gfid[:], Fd: fd, Cookie: cookie, MaxEntries: uint32(max),
		})
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		out, eof = toDirents(r.GetEntries()), r.GetEof()
		return 0, nil
	})
	return out, eof, err
}

// Release closes the directory on the brick.
func (d *dir) Release(ctx context.Context) error { return d.h.release(ctx, nil) }
