package client

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Extended attributes. The brick hides and refuses trusted.mortar.*.

// Getxattr returns the value of the attribute name.
func (b *Brick) Getxattr(ctx context.Context, gfid fop.Gfid, name string) ([]byte, error) {
	var out []byte
	err := b.call(ctx, "getxattr "+printable(name), gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Getxattr(ctx, &brickpb.GetxattrRequest{Session: s.id, Gfid: gfid[:], Name: []byte(name)})
		out = r.GetValue()
		return r.GetErrno(), err
	})
	return out, err
}

// Setxattr sets the attribute name; flags are XATTR_CREATE or XATTR_REPLACE.
func (b *Brick) Setxattr(ctx context.Context, gfid fop.Gfid, name string, value []byte, flags uint32) error {
	return b.call(ctx, "setxattr "+printable(name), gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: s.id, Gfid: gfid[:], Name: []byte(name), Value: value, Flags: flags})
		return r.GetErrno(), err
	})
}

// Listxattr returns the names of the inode's attributes.
func (b *Brick) Listxattr(ctx context.Context, gfid fop.Gfid) ([]string, error) {
	var out []string
	err := b.call(ctx, "listxattr", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Listxattr(ctx, &brickpb.InodeRequest{Session: s.id, Gfid: gfid[:]})
		out = fromNames(r.GetNames())
		return r.GetErrno(), err
	})
	return out, err
}

// Removexattr removes the attribute name.
func (b *Brick) Removexattr(ctx context.Context, gfid fop.Gfid, name string) error {
	return b.call(ctx, "removexattr "+printable(name), gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Removexattr(ctx, &brickpb.GetxattrRequest{Session: s.id, Gfid: gfid[:], Name: []byte(name)})
		return r.GetErrno(), err
	})
}
