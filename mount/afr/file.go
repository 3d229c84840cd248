package afr

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// file is an open regular file of the set: one open file per brick
// (opened again, lazily, on a brick that was down when it was opened).
// Reads go to one good brick, writes to all of them in the inode's eager
// window. It implements fop.File.
type file struct {
	s     *Set
	gfid  fop.Gfid
	flags uint32 // for lazy opens: no O_CREAT, O_EXCL or O_TRUNC

	// mu guards fds and released.
	mu       sync.Mutex
	fds      []fop.File
	released bool
}

var _ fop.File = (*file)(nil)

// reopenMask are the open flags a lazy open leaves out.
const reopenMask = syscall.O_CREAT | syscall.O_EXCL | syscall.O_TRUNC

func (s *Set) newFile(g fop.Gfid, flags uint32, fds []fop.File) *file {
	return &file{s: s, gfid: g, flags: flags &^ reopenMask, fds: fds}
}

// Open opens g on every connected brick; it fails only when no brick
// opens it. O_TRUNC is a data transaction after the open.
func (s *Set) Open(ctx context.Context, g fop.Gfid, flags uint32) (fop.File, error) {
	up := s.connected()
	if count(up) == 0 {
		return nil, s.errorf("open", g, errReadQuorum)
	}
	fds := make([]fop.File, len(s.kids))
	errs := s.each(up, func(i int) error {
		f, err := s.kids[i].Open(ctx, g, flags&^reopenMask)
		fds[i] = f
		return err
	})
	if count(okOf(errs, up)) == 0 {
		return nil, s.errorf("open", g, pickErr(errs, up))
	}
	f := s.newFile(g, flags, fds)
	if flags&syscall.O_TRUNC != 0 {
		if _, err := s.Setattr(ctx, g, fop.SetattrIn{Valid: fop.SetSize}); err != nil {
			_ = f.Release(ctx)
			return nil, err
		}
	}
	return f, nil
}

// fd returns the open file on brick i, opening it there if needed.
func (f *file) fd(ctx context.Context, i int) (fop.File, error) {
	f.mu.Lock()
	fd, released := f.fds[i], f.released
	f.mu.Unlock()
	switch {
	case released:
		return nil, fmt.Errorf("use after release: %w", syscall.EBADF)
	case fd != nil:
		return fd, nil
	}
	fd, err := f.s.kids[i].Open(ctx, f.gfid, f.flags)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fds[i] == nil && !f.released {
		f.fds[i] = fd
		return fd, nil
	}
	spare, cur := fd, f.fds[i]
	f.s.bg.run(func() { _ = spare.Release(context.WithoutCancel(ctx)) }) // a concurrent open won
	if cur == nil {
		return nil, fmt.Errorf("use after release: %w", syscall.EBADF)
	}
	return cur, nil
}

// Read reads from one brick with good data, failing over on errors.
func (f *file) Read(ctx context.Context, dest []byte, off int64) (int, error) {
	var n int
	err := f.s.read(ctx, f.gfid, readData, func(i int) error {
		fd, err := f.fd(ctx, i)
		if err == nil {
			n, err = fd.Read(ctx, dest, off)
		}
		return err
	})
	if err != nil {
		return 0, f.s.errorf("read", f.gfid, err)
	}
	return n, nil
}

// Write writes to every data brick of the eager window in parallel.
// Bricks that wrote fewer bytes than the others count as failed.
func (f *file) Write(ctx context.Context, data []byte, off int64) (int, error) {
	ns := make([]int, len(f.s.kids))
	ok, err := f.s.dataOp(ctx, f.gfid, func(i int) error {
		fd, err := f.fd(ctx, i)
		if err == nil {
			ns[i], err = fd.Write(ctx, data, off)
		}
		return err
	}, func(errs []error, on []bool) { shortWrites(ns, errs, on) })
	if err != nil {
		return 0, f.s.errorf("write", f.gfid, err)
	}
	return ns[f.s.firstOK(ok)], nil
}

// shortWrites fails the bricks that wrote less than the most any wrote.
func shortWrites(ns []int, errs []error, on []bool) {
	most := 0
	for i, n := range ns {
		if on[i] && errs[i] == nil {
			most = max(most, n)
		}
	}
	for i, n := range ns {
		if on[i] && errs[i] == nil && n < most {
			errs[i] = fmt.Errorf("short write: %d of %d bytes: %w", n, most, syscall.EIO)
		}
	}
}

// Fallocate is a data transaction; the arbiter keeps no data.
func (f *file) Fallocate(ctx context.Context, mode uint32, off, length int64) error {
	_, err := f.s.dataOp(ctx, f.gfid, func(i int) error {
		fd, err := f.fd(ctx, i)
		if err == nil {
			err = fd.Fallocate(ctx, mode, off, length)
		}
		return err
	}, nil)
	return f.s.errorf("fallocate", f.gfid, err)
}

// Lseek answers SEEK_DATA and SEEK_HOLE from a brick with good data.
func (f *file) Lseek(ctx context.Context, off int64, whence int) (int64, error) {
	var out int64
	err := f.s.read(ctx, f.gfid, readData, func(i int) error {
		fd, err := f.fd(ctx, i)
		if err == nil {
			out, err = fd.Lseek(ctx, off, whence)
		}
		return err
	})
	return out, f.s.errorf("lseek", f.gfid, err)
}

// Fsync flushes the data bricks' copies to disk, then closes the eager
// window (its post-op). It fails when fewer than a quorum succeed.
func (f *file) Fsync(ctx context.Context, datasync bool) error {
	ok, errs := f.onOpen(ctx, func(i int, fd fop.File) error {
		if f.s.isArbiter(i) {
			return nil
		}
		return fd.Fsync(ctx, datasync)
	})
	f.s.eager.flush(ctx, f.gfid)
	if !f.s.quorum.met(ok) {
		if err := pickErr(errs, f.s.connected()); err != nil {
			return f.s.errorf("fsync", f.gfid, err)
		}
		return f.s.errorf("fsync", f.gfid, errNoQuorum)
	}
	return nil
}

// Flush is close(2) by lockOwner: every brick releases the owner's POSIX
// locks. The eager window stays open for the release that follows (its
// post-op and unlock ride on the release RPCs) or until it is idle for
// PostOpDelay: the data is on the bricks already, the post-op only takes
// the marks back, and a client that wants the lock makes the window
// yield (contention). An fsync closes it and waits.
func (f *file) Flush(ctx context.Context, lockOwner uint64) error {
	ok, errs := f.onOpen(ctx, func(_ int, fd fop.File) error { return fd.Flush(ctx, lockOwner) })
	if count(ok) == 0 {
		return f.s.errorf("flush", f.gfid, pickErr(errs, f.s.connected()))
	}
	return nil
}

// Release closes the file on every brick, and the eager window of the
// inode: when no operation is in flight in it, its post-op and unlock
// ride on the release RPCs (fop.EndingReleaser); otherwise it closes in
// the background once they are done (its post-op and unlock work by
// gfid, not by fd). The kernel sends RELEASE after close(2) has
// returned, and nothing waits for it; a later data operation on the
// inode waits for the window to close.
func (f *file) Release(ctx context.Context) error {
	f.mu.Lock()
	fds := f.fds
	f.fds, f.released = make([]fop.File, len(fds)), true
	f.mu.Unlock()
	end, ending := f.s.eager.takeIdle(f.gfid)
	if !ending {
		f.s.bg.run(func() { f.s.eager.flush(context.WithoutCancel(ctx), f.gfid) })
	}
	on := make([]bool, len(fds))
	for i, fd := range fds {
		on[i] = fd != nil || (ending && (at(end.locked, i) || at(end.marked, i)))
	}
	errs := f.s.each(on, func(i int) error {
		if !ending {
			return fds[i].Release(ctx)
		}
		return f.releaseEnding(ctx, i, fds[i], end)
	})
	if ending {
		end.e.closed()
		f.s.eager.unref(end.e)
	}
	for i, err := range errs {
		if err != nil {
			f.s.log.Debug("release", "brick", f.s.kids[i].Name(), "gfid", f.gfid, "err", err)
		}
	}
	return nil
}

// releaseEnding releases fd (nil: not open on brick i) and ends the
// window on brick i: in one RPC where the brick holds the lock and the
// file can (fop.EndingReleaser), else as postOpUnlock does.
func (f *file) releaseEnding(ctx context.Context, i int, fd fop.File, end windowEnd) error {
	ctx = context.WithoutCancel(ctx) // the window must end
	post := at(end.marked, i) && len(end.deltas) > 0
	if er, ok := fd.(fop.EndingReleaser); ok && at(end.locked, i) {
		we := fop.WindowEnd{Domain: DataDomain, Owner: end.owner}
		if post {
			we.PostOp = end.deltas
		}
		err := er.ReleaseEnding(ctx, we)
		if err != nil && post {
			f.s.log.Info("post-op failed; the brick stays marked", "brick", f.s.kids[i].Name(), "gfid", f.gfid, "err", err)
			return nil
		}
		return err
	}
	f.s.postOpUnlockBrick(ctx, i, inodeLock(f.gfid, DataDomain), end.deltas, end.marked, end.locked, end.owner)
	if fd == nil {
		return nil
	}
	return fd.Release(ctx)
}

// onOpen runs fn on every connected brick (opening the file where it is
// not open yet) and returns where it succeeded.
func (f *file) onOpen(ctx context.Context, fn func(i int, fd fop.File) error) ([]bool, []error) {
	up := f.s.connected()
	errs := f.s.each(up, func(i int) error {
		fd, err := f.fd(ctx, i)
		if err == nil {
			err = fn(i, fd)
		}
		return err
	})
	return okOf(errs, up), errs
}
