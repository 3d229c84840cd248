package afr

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Application locks (fcntl, flock) are taken on every brick, so that they
// survive the loss of a minority: a lock needs a quorum of bricks.

var errLockQuorum = fmt.Errorf("lock not granted on a quorum of bricks: %w", syscall.ENOTCONN)

// Getlk asks the first brick that answers.
func (f *file) Getlk(ctx context.Context, lk fop.Lock) (fop.Lock, error) {
	var out fop.Lock
	var last error = errLockQuorum
	for _, i := range f.s.order(f.s.connected()) {
		fd, err := f.fd(ctx, i)
		if err == nil {
			out, err = fd.Getlk(ctx, lk)
		}
		if err == nil || !failover(err) {
			return out, f.s.errorf("getlk", f.gfid, err)
		}
		last = err
	}
	return fop.Lock{}, f.s.errorf("getlk", f.gfid, last)
}

// Setlk takes lk on every connected brick. Without wait, in parallel:
// a conflict anywhere releases what was granted and answers the
// conflict. With wait, brick by brick in set order (two clients cannot
// deadlock). An unlock goes everywhere.
func (f *file) Setlk(ctx context.Context, lk fop.Lock, wait bool) error {
	if lk.Type == fop.LockUnlock {
		ok, errs := f.onOpen(ctx, func(_ int, fd fop.File) error { return fd.Setlk(ctx, lk, false) })
		if count(ok) == 0 {
			return f.s.errorf("unlock", f.gfid, pickErr(errs, f.s.connected()))
		}
		return nil
	}
	var granted []bool
	var err error
	if wait {
		granted, err = f.setlkOrdered(ctx, lk)
	} else {
		var errs []error
		granted, errs = f.onOpen(ctx, func(_ int, fd fop.File) error { return fd.Setlk(ctx, lk, false) })
		if !symmetricOK(errs, granted) {
			err = pickErr(errs, f.s.connected())
		}
	}
	if err == nil && !f.s.quorum.met(granted) {
		err = errLockQuorum
	}
	if err != nil {
		f.unlockOn(ctx, lk, granted)
		return f.s.errorf("setlk", f.gfid, err)
	}
	return nil
}

// symmetricOK reports whether no brick answered a refusal: every error
// is a brick that could not be reached.
func symmetricOK(errs []error, granted []bool) bool {
	for i, err := range errs {
		if err != nil && !granted[i] && !unreachable(err) {
			return false
		}
	}
	return true
}

// setlkOrdered takes lk waiting, brick by brick in order; a brick that
// cannot be reached is skipped, any other failure ends it.
func (f *file) setlkOrdered(ctx context.Context, lk fop.Lock) ([]bool, error) {
	granted := make([]bool, len(f.s.kids))
	for i, k := range f.s.kids {
		if !k.Connected() {
			continue
		}
		fd, err := f.fd(ctx, i)
		if err == nil {
			err = fd.Setlk(ctx, lk, true)
		}
		switch {
		case err == nil:
			granted[i] = true
		case errnoOf(err) == syscall.EINTR || !unreachable(err):
			return granted, err
		}
	}
	return granted, nil
}

// unlockOn releases lk's range on the bricks in on.
func (f *file) unlockOn(ctx context.Context, lk fop.Lock, on []bool) {
	lk.Type = fop.LockUnlock
	ctx = context.WithoutCancel(ctx)
	f.s.each(on, func(i int) error {
		fd, err := f.fd(ctx, i)
		if err == nil {
			err = fd.Setlk(ctx, lk, false)
		}
		return err
	})
}
