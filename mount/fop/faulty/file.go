package faulty

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

var errNoLinkto = fmt.Errorf("faulty: the wrapped brick cannot make linkto files: %w", syscall.EINVAL)

// file is an open file of a faulty Brick.
type file struct {
	b    *Brick
	gfid fop.Gfid
	f    fop.File
}

func (f *file) Read(ctx context.Context, dest []byte, off int64) (n int, err error) {
	err = f.b.do(ctx, Op{Name: OpRead, Gfid: f.gfid, Off: off, Len: len(dest)}, func() (err error) {
		n, err = f.f.Read(ctx, dest, off)
		return err
	})
	return n, err
}

func (f *file) Write(ctx context.Context, data []byte, off int64) (n int, err error) {
	err = f.b.do(ctx, Op{Name: OpWrite, Gfid: f.gfid, Off: off, Len: len(data)}, func() (err error) {
		n, err = f.f.Write(ctx, data, off)
		return err
	})
	return n, err
}

func (f *file) Flush(ctx context.Context, lockOwner uint64) error {
	return f.b.do(ctx, Op{Name: OpFlush, Gfid: f.gfid}, func() error { return f.f.Flush(ctx, lockOwner) })
}

func (f *file) Fsync(ctx context.Context, datasync bool) error {
	return f.b.do(ctx, Op{Name: OpFsync, Gfid: f.gfid}, func() error { return f.f.Fsync(ctx, datasync) })
}

func (f *file) Fallocate(ctx context.Context, mode uint32, off, length int64) error {
	return f.b.do(ctx, Op{Name: OpFallocate, Gfid: f.gfid, Off: off, Len: int(length)}, func() error {
		return f.f.Fallocate(ctx, mode, off, length)
	})
}

func (f *file) Lseek(ctx context.Context, off int64, whence int) (out int64, err error) {
	err = f.b.do(ctx, Op{Name: OpLseek, Gfid: f.gfid, Off: off}, func() (err error) {
		out, err = f.f.Lseek(ctx, off, whence)
		return err
	})
	return out, err
}

func (f *file) Getlk(ctx context.Context, lk fop.Lock) (out fop.Lock, err error) {
	err = f.b.do(ctx, Op{Name: OpGetlk, Gfid: f.gfid, Lock: lk}, func() (err error) {
		out, err = f.f.Getlk(ctx, lk)
		return err
	})
	return out, err
}

func (f *file) Setlk(ctx context.Context, lk fop.Lock, wait bool) error {
	return f.b.do(ctx, Op{Name: OpSetlk, Gfid: f.gfid, Lock: lk}, func() error { return f.f.Setlk(ctx, lk, wait) })
}

func (f *file) Release(ctx context.Context) error {
	// A release always reaches the brick: a test must not leak fds.
	err := f.b.do(ctx, Op{Name: OpRelease, Gfid: f.gfid}, func() error { return nil })
	if rerr := f.f.Release(ctx); rerr != nil {
		return rerr
	}
	return err
}

// ReleaseEnding is Release that also ends an eager window
// (fop.EndingReleaser): through the inner file when it can, else as the
// inner brick's unlock and then the release. Rules see a release.
func (f *file) ReleaseEnding(ctx context.Context, end fop.WindowEnd) error {
	err := f.b.do(ctx, Op{Name: OpRelease, Gfid: f.gfid}, func() error { return nil })
	var rerr error
	if er, ok := f.f.(fop.EndingReleaser); ok {
		rerr = er.ReleaseEnding(ctx, end)
	} else {
		lk := fop.Lock{Type: fop.LockUnlock, End: fop.LockToEOF, Owner: end.Owner, PostOp: end.PostOp}
		if uerr := f.b.inner.Inodelk(ctx, f.gfid, end.Domain, fop.LkSet, lk); uerr != nil {
			rerr = uerr
		}
		if relErr := f.f.Release(ctx); rerr == nil {
			rerr = relErr
		}
	}
	if rerr != nil {
		return rerr
	}
	return err
}

// dir is an open directory of a faulty Brick.
type dir struct {
	b    *Brick
	gfid fop.Gfid
	d    fop.Dir
}

func (d *dir) Readdir(ctx context.Context, cookie uint64, max int) (ents []fop.Dirent, eof bool, err error) {
	err = d.b.do(ctx, Op{Name: OpReaddir, Gfid: d.gfid, Off: int64(cookie), Len: max}, func() (err error) {
		ents, eof, err = d.d.Readdir(ctx, cookie, max)
		return err
	})
	return ents, eof, err
}

func (d *dir) Release(ctx context.Context) error {
	err := d.b.do(ctx, Op{Name: OpReleasedir, Gfid: d.gfid}, func() error { return nil })
	if rerr := d.d.Release(ctx); rerr != nil {
		return rerr
	}
	return err
}
