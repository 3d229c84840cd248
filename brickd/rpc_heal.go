package brickd

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
	"golang.org/x/sys/unix"
)

// Self-heal: the dirty index and chunk checksums.

const (
	// indexDefault and indexMax bound an IndexList page.
	indexDefault = 1024
	indexMax     = 4096
	// maxChecksumSpan is the most one Rchecksum covers, and maxChecksums
	// the most checksums one reply carries.
	maxChecksumSpan = 64 << 20
	maxChecksums    = 16384
)

// IndexList pages through an index of the brick (only "dirty" exists) in
// ascending gfid byte order.
func (r *rpc) IndexList(_ context.Context, req *brickpb.IndexListRequest) (*brickpb.IndexListReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.IndexListReply {
		var out []gfid.Gfid
		var eof bool
		after, err := parseOptGfid(req.GetAfter())
		if err == nil {
			out, eof, err = se.brick.fs.IndexPage(req.GetIndex(), after, indexPageSize(req.GetMax()))
		}
		rep := &brickpb.IndexListReply{Errno: se.errno("indexlist", err), Eof: eof}
		for _, g := range out {
			rep.Gfids = append(rep.Gfids, g.Bytes())
		}
		return rep
	})
}

// indexPageSize is the size of an IndexList page asked for max.
func indexPageSize(max uint32) int {
	switch {
	case max == 0:
		return indexDefault
	case max > indexMax:
		return indexMax
	}
	return int(max)
}

// Rchecksum returns the SHA-256 of each chunk of a file over a range,
// through the session's fd or, when fd is 0, an anonymous one.
func (r *rpc) Rchecksum(_ context.Context, req *brickpb.RchecksumRequest) (*brickpb.RchecksumReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.RchecksumReply {
		var sums [][32]byte
		g, err := parseOptGfid(req.GetGfid())
		if err == nil {
			err = checkChecksumRange(req.GetOffset(), req.GetLength(), req.GetChunk())
		}
		if err == nil {
			err = se.withFile(req.GetFd(), g, unix.O_RDONLY, func(f *posix.File) (err error) {
				sums, err = f.Checksums(req.GetOffset(), req.GetLength(), int(req.GetChunk()))
				return err
			})
		}
		rep := &brickpb.RchecksumReply{Errno: se.errno("rchecksum", err)}
		for i := range sums {
			rep.Sums = append(rep.Sums, sums[i][:])
		}
		return rep
	})
}

// checkChecksumRange refuses a negative offset or length, a length over
// 64 MiB, a zero chunk, and more than maxChecksums chunks.
func checkChecksumRange(off, length int64, chunk uint32) error {
	if off < 0 || length < 0 || length > maxChecksumSpan || chunk == 0 || off > (1<<63-1)-length {
		return syscall.EINVAL
	}
	if (length+int64(chunk)-1)/int64(chunk) > maxChecksums {
		return syscall.EINVAL
	}
	return nil
}
