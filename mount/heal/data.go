package heal

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
)

// Limits of the brick protocol that data heal works within.
const (
	maxChecksumSpan = 64 << 20 // one Rchecksum
	maxChecksums    = 16384    // checksums in one Rchecksum reply
	maxIO           = 1 << 20  // one Read or Write RPC
)

// fixData copies the source's data to every sink but the arbiter, whose
// data is never touched (its counters are still cleared: it holds none).
func (e *Engine) fixData(ctx context.Context, v *view, p plan) ([]bool, outcome, error) {
	failed := make([]bool, len(e.bricks()))
	var out outcome
	var mu sync.Mutex
	var errs []error
	each(p.sinks, func(k int) {
		if e.isArbiter(k) {
			return
		}
		n, err := e.copyData(ctx, v, p.source, k)
		mu.Lock()
		defer mu.Unlock()
		out.bytes += n
		if err != nil {
			failed[k] = true
			errs = append(errs, e.brickErr(k, fmt.Sprintf("data heal of %s", v.gfid), err))
		}
	})
	return failed, out, errors.Join(errs...)
}

// copyData makes the data of g on brick k that of brick s: same size,
// same bytes, holes where s has holes (where it is cheap), then the times
// of s (writing changed them). It returns the bytes written to k.
func (e *Engine) copyData(ctx context.Context, v *view, s, k int) (int64, error) {
	src, sink := e.bricks()[s], e.bricks()[k]
	sf, err := src.Open(ctx, v.gfid, unix.O_RDONLY)
	if err != nil {
		return 0, fmt.Errorf("open the source: %w", err)
	}
	defer releaseFile(ctx, sf)
	kf, err := sink.Open(ctx, v.gfid, unix.O_RDWR)
	if err != nil {
		return 0, fmt.Errorf("open: %w", err)
	}
	defer releaseFile(ctx, kf)
	size := int64(v.attr[s].Size)
	if v.attr[k].Size != v.attr[s].Size {
		if _, err := sink.Setattr(ctx, v.gfid, fop.SetattrIn{Valid: fop.SetSize, Size: uint64(size)}); err != nil {
			return 0, fmt.Errorf("truncate to %d: %w", size, err)
		}
	}
	c := &copier{g: v.gfid, src: src, sink: sink, sf: sf, kf: kf, chunk: e.opts.ChunkSize}
	if err := c.run(ctx, size); err != nil {
		return c.written, err
	}
	if err := kf.Fsync(ctx, false); err != nil {
		return c.written, fmt.Errorf("fsync: %w", err)
	}
	return c.written, e.copyTimes(ctx, v.gfid, s, k)
}

// copyTimes sets the atime and mtime of g on brick k to those of brick s.
func (e *Engine) copyTimes(ctx context.Context, g fop.Gfid, s, k int) error {
	ent, err := e.bricks()[s].Getattr(ctx, g)
	if err != nil {
		return fmt.Errorf("times of the source: %w", err)
	}
	in := fop.SetattrIn{Valid: fop.SetAtime | fop.SetMtime, Atime: ent.Atime, Mtime: ent.Mtime}
	if _, err := e.bricks()[k].Setattr(ctx, g, in); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

func releaseFile(ctx context.Context, f fop.File) {
	_ = f.Release(context.WithoutCancel(ctx))
}

// copier copies one file's data from a source brick to a sink brick.
type copier struct {
	g       fop.Gfid
	src     fop.Brick
	sink    fop.Brick
	sf, kf  fop.File
	chunk   int
	written int64
	buf     []byte // reused by copyBytes
}

// run walks the source's data extents (SEEK_DATA, SEEK_HOLE) up to size:
// extents are compared and copied chunk by chunk, holes are punched on the
// sink where it has data.
func (c *copier) run(ctx context.Context, size int64) error {
	for off := int64(0); off < size; {
		data, err := seekData(ctx, c.sf, off, unix.SEEK_DATA, size)
		if err != nil {
			return err
		}
		if data > off {
			if err := c.hole(ctx, off, data); err != nil {
				return err
			}
		}
		if data >= size {
			return nil
		}
		end, err := seekData(ctx, c.sf, data, unix.SEEK_HOLE, size)
		if err != nil {
			return err
		}
		if err := c.copyRange(ctx, data, end); err != nil {
			return err
		}
		off = end
	}
	return nil
}

// seekData is Lseek(whence) clamped to size: ENXIO (no data after off)
// is size; a file system that cannot tell (EINVAL, EOPNOTSUPP) has data
// everywhere.
func seekData(ctx context.Context, f fop.File, off int64, whence int, size int64) (int64, error) {
	pos, err := f.Lseek(ctx, off, whence)
	switch {
	case err == nil:
		return min(max(pos, off), size), nil
	case isErrno(err, unix.ENXIO):
		return size, nil
	case isErrno(err, unix.EINVAL, unix.EOPNOTSUPP) && whence == unix.SEEK_DATA:
		return off, nil
	case isErrno(err, unix.EINVAL, unix.EOPNOTSUPP):
		return size, nil
	}
	return 0, fmt.Errorf("lseek %d of the source: %w", off, err)
}

// hole makes [a, b) of the sink read as zeros: nothing to do where the sink
// has no data there, else a punched hole (or, where the file system cannot
// punch, the source's zeros copied over what differs).
func (c *copier) hole(ctx context.Context, a, b int64) error {
	pos, err := c.kf.Lseek(ctx, a, unix.SEEK_DATA)
	if isErrno(err, unix.ENXIO) || (err == nil && pos >= b) {
		return nil
	}
	err = c.kf.Fallocate(ctx, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, a, b-a)
	if err == nil {
		return nil
	}
	if !isErrno(err, unix.EOPNOTSUPP, unix.EINVAL) {
		return fmt.Errorf("punch a hole at %d: %w", a, err)
	}
	return c.copyRange(ctx, a, b)
}
