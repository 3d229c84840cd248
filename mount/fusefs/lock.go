package fusefs

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// lockOwners remembers, per inode, the lock owners that took POSIX locks
// and the process (thread group) they belong to. close(2) of any
// descriptor of the inode by that process must release them (POSIX), but
// go-fuse's Flush reports only the pid of the closing thread. FLUSH of a
// process that took no locks needs no round trip.
type lockOwners struct {
	mu    sync.Mutex
	open  int                            // open files of the inode
	byPid map[uint32]map[uint64]struct{} // thread group id → owners
}

func (l *lockOwners) opened() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open++
}

// released forgets the owners once no file of the inode is open: the
// volume drops an open file's locks with it.
func (l *lockOwners) released() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open--; l.open <= 0 {
		l.open, l.byPid = 0, nil
	}
}

func (l *lockOwners) add(tgid uint32, owner uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byPid == nil {
		l.byPid = make(map[uint32]map[uint64]struct{})
	}
	if l.byPid[tgid] == nil {
		l.byPid[tgid] = make(map[uint64]struct{})
	}
	l.byPid[tgid][owner] = struct{}{}
}

// closing returns, and forgets, the owners of the process of thread pid.
func (l *lockOwners) closing(pid uint32) []uint64 {
	if owners, ok := l.take(pid); ok || owners == nil {
		return owners
	}
	// Locks were taken, but not by pid's thread group id: pid may be
	// another thread of a process that did. Only then is /proc read.
	tgid, ok := threadGroup(pid)
	if !ok || tgid == pid {
		return nil
	}
	owners, _ := l.take(tgid)
	return owners
}

// take removes the owners recorded for tgid. owners is nil when no
// process has any recorded.
func (l *lockOwners) take(tgid uint32) (owners []uint64, found bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.byPid) == 0 {
		return nil, false
	}
	set, found := l.byPid[tgid]
	delete(l.byPid, tgid)
	owners = make([]uint64, 0, len(set))
	for o := range set {
		owners = append(owners, o)
	}
	return owners, found
}

// threadGroup returns the process id of thread tid. The kernel's request
// header carries the thread id, the lock itself the process id.
func threadGroup(tid uint32) (uint32, bool) {
	if tid == 0 {
		return 0, false
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Tgid:"); ok {
			id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			return uint32(id), err == nil
		}
	}
	return 0, false
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
		h.n.locks.add(lockProcess(ctx, lk), owner)
	}
	if err := h.f.Setlk(ctx, l, wait); err != nil {
		return h.n.m.errno("setlk", err)
	}
	return 0
}

// lockProcess is the process taking a lock: the pid the kernel put in
// the lock, or else the thread group of the calling thread.
func lockProcess(ctx context.Context, lk *fuse.FileLock) uint32 {
	if lk.Pid != 0 {
		return lk.Pid
	}
	c, ok := fuse.FromContext(ctx)
	if !ok {
		return 0
	}
	if tgid, ok := threadGroup(c.Pid); ok {
		return tgid
	}
	return c.Pid
}
