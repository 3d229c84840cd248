package client

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Lookup finds (parent, name). It always asks for the changelog counters,
// and offers a fresh gfid for an entry that has none yet (a file an
// administrator placed on the brick).
func (b *Brick) Lookup(ctx context.Context, parent fop.Gfid, name string) (fop.Entry, error) {
	var out fop.Entry
	gfidReq := fop.NewGfid()
	err := b.call(ctx, "lookup", entryName{parent, name}, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Lookup(ctx, &brickpb.LookupRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), GfidReq: gfidReq[:], WantPending: true,
		})
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		out, err = toEntry(r.GetAttr(), r.GetLinkto(), r.GetPending())
		return 0, err
	})
	return out, err
}

// Getattr returns the inode's attributes; Linkto is set for a dht pointer file.
func (b *Brick) Getattr(ctx context.Context, gfid fop.Gfid) (fop.Entry, error) {
	var out fop.Entry
	err := b.call(ctx, "getattr", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Getattr(ctx, &brickpb.InodeRequest{Session: s.id, Gfid: gfid[:]})
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		out, err = toEntry(r.GetAttr(), r.GetLinkto(), nil)
		return 0, err
	})
	return out, err
}

// Setattr changes the attributes named by in.Valid.
func (b *Brick) Setattr(ctx context.Context, gfid fop.Gfid, in fop.SetattrIn) (fop.Attr, error) {
	var out fop.Attr
	err := b.call(ctx, "setattr", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Setattr(ctx, &brickpb.SetattrRequest{
			Session: s.id, Gfid: gfid[:], Valid: in.Valid, Mode: in.Mode, Uid: in.Uid, Gid: in.Gid,
			Size: in.Size, Atime: fromTime(in.Atime), Mtime: fromTime(in.Mtime),
		})
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		out, err = toAttr(r.GetAttr())
		return 0, err
	})
	return out, err
}

// Readlink returns a symlink's target.
func (b *Brick) Readlink(ctx context.Context, gfid fop.Gfid) (string, error) {
	var out string
	err := b.call(ctx, "readlink", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Readlink(ctx, &brickpb.InodeRequest{Session: s.id, Gfid: gfid[:]})
		out = string(r.GetTarget())
		return r.GetErrno(), err
	})
	return out, err
}

// Statfs returns the capacity of the brick's file system.
func (b *Brick) Statfs(ctx context.Context, gfid fop.Gfid) (fop.Statfs, error) {
	var out fop.Statfs
	err := b.call(ctx, "statfs", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Statfs(ctx, &brickpb.InodeRequest{Session: s.id, Gfid: gfid[:]})
		out = toStatfs(r)
		return r.GetErrno(), err
	})
	return out, err
}
