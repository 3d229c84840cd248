package client

import (
	"context"
	"crypto/sha256"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// The calls the self-heal engine makes on one brick.

// Connected reports whether a session is up now.
func (b *Brick) Connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cur != nil
}

// IndexList returns up to max gfids of the brick's index after the gfid
// after, and whether the end was reached.
func (b *Brick) IndexList(ctx context.Context, index string, after fop.Gfid, max int) ([]fop.Gfid, bool, error) {
	var out []fop.Gfid
	var eof bool
	err := b.call(ctx, "indexlist", index, func(ctx context.Context, s *session) (int32, error) {
		req := &brickpb.IndexListRequest{Session: s.id, Index: index, Max: uint32(max)}
		if !after.IsZero() {
			req.After = after[:]
		}
		r, err := b.rpc.IndexList(ctx, req)
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		out, eof = out[:0], r.GetEof()
		for _, raw := range r.GetGfids() {
			g, gerr := fop.GfidFromBytes(raw)
			if gerr != nil {
				return 0, fmt.Errorf("index entry: %v: %w", gerr, syscall.EIO)
			}
			out = append(out, g)
		}
		return 0, nil
	})
	return out, eof, err
}

// Rchecksum returns the SHA-256 of each chunk of the file from off over
// length bytes.
func (b *Brick) Rchecksum(ctx context.Context, gfid fop.Gfid, off, length int64, chunk int) ([][32]byte, error) {
	var out [][32]byte
	err := b.call(ctx, "rchecksum", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Rchecksum(ctx, &brickpb.RchecksumRequest{
			Session: s.id, Gfid: gfid[:], Offset: off, Length: length, Chunk: uint32(chunk),
		})
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		out = out[:0]
		for _, sum := range r.GetSums() {
			if len(sum) != sha256.Size {
				return 0, fmt.Errorf("checksum of %d bytes: %w", len(sum), syscall.EIO)
			}
			out = append(out, [32]byte(sum))
		}
		return 0, nil
	})
	return out, err
}
