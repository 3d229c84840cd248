package fusefs

import (
	"context"
	"math"
	"slices"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// lockTable remembers which lock owners took POSIX locks on which inode,
// and through which open files. close(2) of any descriptor of an inode
// must release the closing process's POSIX locks on it (POSIX); the
// kernel says so with FLUSH and the owner, and only an owner recorded
// here costs a round trip (fop.File.Flush through the files it locked
// through). A FLUSH without locks costs nothing.
//
// Open-file-description locks (F_OFD_SETLK) reach us the same way, owned
// by the open file; no FLUSH ever names that owner, so they stay until
// the file is released, as they should.
type lockTable struct {
	mu     sync.Mutex
	owners map[lockKey][]*file
}

type lockKey struct {
	ino   uint64
	owner uint64
}

// add records that owner locked the inode of f through f.
func (t *lockTable) add(owner uint64, f *file) {
	k := lockKey{f.n.gfid.Ino(), owner}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.owners == nil {
		t.owners = make(map[lockKey][]*file)
	}
	if slices.Contains(t.owners[k], f) {
		return
	}
	t.owners[k] = append(t.owners[k], f)
	f.lockKeys = append(f.lockKeys, k)
}

// take returns and forgets the files owner locked inode ino through.
func (t *lockTable) take(ino, owner uint64) []*file {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := lockKey{ino, owner}
	files := t.owners[k]
	delete(t.owners, k)
	for _, f := range files {
		f.lockKeys = slices.DeleteFunc(f.lockKeys, func(x lockKey) bool { return x == k })
	}
	return files
}

// released forgets f: the volume drops an open file's locks with it.
func (t *lockTable) released(f *file) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range f.lockKeys {
		t.owners[k] = slices.DeleteFunc(t.owners[k], func(x *file) bool { return x == f })
		if len(t.owners[k]) == 0 {
			delete(t.owners, k)
		}
	}
	f.lockKeys = nil
}

// flush is FLUSH of inode ino by lock owner: close(2) of one descriptor.
// It releases owner's POSIX locks on the inode, if it took any.
func (m *mount) flush(ctx context.Context, ino, owner uint64) syscall.Errno {
	files := m.locks.take(ino, owner)
	if len(files) > 0 {
		// The data goes before the locks: a process that takes a lock
		// next, anywhere, reads what was written under it.
		files[0].n.writes.settle()
	}
	var first error
	for _, f := range files {
		if err := f.f.Flush(ctx, owner); err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return m.errno("flush", first)
	}
	return 0
}

// toLock converts the kernel's lock request. FUSE ends a lock that runs
// to end of file at OFFSET_MAX.
func toLock(owner uint64, lk *fuse.FileLock, flags uint32) (fop.Lock, syscall.Errno) {
	l := fop.Lock{Start: lk.Start, End: lk.End, Pid: lk.Pid, Owner: owner, Flock: flags&fuse.LK_FLOCK != 0}
	if lk.End >= math.MaxInt64 {
		l.End = fop.LockToEOF
	}
	switch lk.Typ {
	case syscall.F_RDLCK:
		l.Type = fop.LockRead
	case syscall.F_WRLCK:
		l.Type = fop.LockWrite
	case syscall.F_UNLCK:
		l.Type = fop.LockUnlock
	default:
		return l, syscall.EINVAL
	}
	return l, 0
}

// fromLock converts a lock for the kernel.
func fromLock(l fop.Lock, out *fuse.FileLock) {
	*out = fuse.FileLock{Start: l.Start, End: l.End, Pid: l.Pid, Typ: syscall.F_UNLCK}
	if l.End == fop.LockToEOF {
		out.End = math.MaxInt64
	}
	switch l.Type {
	case fop.LockRead:
		out.Typ = syscall.F_RDLCK
	case fop.LockWrite:
		out.Typ = syscall.F_WRLCK
	}
}

// Getlk is fcntl(F_GETLK): the first lock that would conflict, or F_UNLCK.
func (h *file) Getlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	l, errno := toLock(owner, lk, flags)
	if errno != 0 {
		return errno
	}
	got, err := h.f.Getlk(ctx, l)
	if err != nil {
		return h.n.m.errno("getlk", err)
	}
	fromLock(got, out)
	return 0
}

// Setlk is fcntl(F_SETLK) and flock(LOCK_NB): a conflict is EAGAIN.
func (h *file) Setlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return h.setlk(ctx, owner, lk, flags, false)
}

// Setlkw is fcntl(F_SETLKW) and flock: it waits for the lock until the
// caller is interrupted (EINTR; the kernel restarts the call if the
// signal handler allows).
func (h *file) Setlkw(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return h.setlk(ctx, owner, lk, flags, true)
}

func (h *file) setlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32, wait bool) syscall.Errno {
	l, errno := toLock(owner, lk, flags)
	if errno != 0 {
		return errno
	}
	if !l.Flock && l.Type != fop.LockUnlock {
		// Recorded before the call: a lock granted by a call that then
		// fails (interrupted) must still be released at close.
		h.n.m.locks.add(owner, h)
	}
	// Writes made behind go first: whoever takes a lock after an
	// unlock (or a downgrade) reads what was written under it.
	h.n.writes.settle()
	if err := h.f.Setlk(ctx, l, wait); err != nil {
		return h.n.m.errno("setlk", err)
	}
	return 0
}
