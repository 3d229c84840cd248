package memvol

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// heldLock is a granted lock. POSIX locks belong to their Owner, flock
// locks to the open file.
type heldLock struct {
	fop.Lock
	file *file
}

// conflicts reports whether l (requested through f) conflicts with h.
// POSIX and flock locks do not interact, as on Linux.
func (h *heldLock) conflicts(l fop.Lock, f *file) bool {
	switch {
	case h.Flock != l.Flock:
		return false
	case h.Flock && h.file == f:
		return false
	case !h.Flock && h.Owner == l.Owner:
		return false
	case h.Type != fop.LockWrite && l.Type != fop.LockWrite:
		return false
	}
	return h.Start <= l.End && l.Start <= h.End
}

// Getlk returns the first lock conflicting with lk, or an unlock.
func (f *file) Getlk(ctx context.Context, lk fop.Lock) (fop.Lock, error) {
	if err := f.v.enter("Getlk"); err != nil {
		return fop.Lock{}, err
	}
	defer f.v.mu.Unlock()
	if lk.Flock {
		lk.Start, lk.End = 0, fop.LockToEOF
	}
	for i := range f.inode().locks {
		if h := &f.inode().locks[i]; h.conflicts(lk, f) {
			return h.Lock, nil
		}
	}
	return fop.Lock{Type: fop.LockUnlock}, nil
}

// Setlk takes, changes or drops a lock; with wait it blocks until the
// lock is free or ctx ends (EINTR).
func (f *file) Setlk(ctx context.Context, lk fop.Lock, wait bool) error {
	op := "Setlk"
	if wait {
		op = "Setlkw"
	}
	if err := f.v.enter(op); err != nil {
		return err
	}
	if lk.Flock {
		lk.Start, lk.End = 0, fop.LockToEOF
	}
	for {
		if !f.blocked(lk) {
			f.grant(lk)
			f.v.mu.Unlock()
			return nil
		}
		change := f.v.lockChange
		f.v.mu.Unlock()
		if !wait {
			return syscall.EAGAIN
		}
		select {
		case <-change:
		case <-ctx.Done():
			f.v.countInterrupt()
			return syscall.EINTR
		}
		f.v.mu.Lock()
	}
}

func (v *Vol) countInterrupt() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls["SetlkwInterrupted"]++
}

// blocked reports whether a held lock conflicts with lk. Called with mu
// held.
func (f *file) blocked(lk fop.Lock) bool {
	if lk.Type == fop.LockUnlock {
		return false
	}
	for i := range f.inode().locks {
		if f.inode().locks[i].conflicts(lk, f) {
			return true
		}
	}
	return false
}

// grant replaces the owner's locks on lk's range by lk. Called with mu
// held.
func (f *file) grant(lk fop.Lock) {
	ino := f.inode()
	var kept []heldLock
	for _, h := range ino.locks {
		mine := h.Flock == lk.Flock && ((h.Flock && h.file == f) || (!h.Flock && h.Owner == lk.Owner))
		if !mine || h.End < lk.Start || lk.End < h.Start {
			kept = append(kept, h)
			continue
		}
		if h.Start < lk.Start {
			left := h
			left.End = lk.Start - 1
			kept = append(kept, left)
		}
		if h.End > lk.End {
			right := h
			right.Start = lk.End + 1
			kept = append(kept, right)
		}
	}
	if lk.Type != fop.LockUnlock {
		kept = append(kept, heldLock{Lock: lk, file: f})
	}
	ino.locks = kept
	f.v.wakeLockWaiters()
}

// dropLocks removes the locks that match. Called with mu held.
func (v *Vol) dropLocks(ino *inode, match func(*heldLock) bool) {
	kept := ino.locks[:0]
	for i := range ino.locks {
		if !match(&ino.locks[i]) {
			kept = append(kept, ino.locks[i])
		}
	}
	ino.locks = kept
	v.wakeLockWaiters()
}

// wakeLockWaiters lets every waiting Setlk look again. Called with mu
// held.
func (v *Vol) wakeLockWaiters() {
	close(v.lockChange)
	v.lockChange = make(chan struct{})
}
