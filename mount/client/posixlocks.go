package client

import (
	"sync"

	"github.com/mortarfs/mortar/mount/fop"
)

// maxLockedInodes bounds lockedInodes; past it every flush goes to the
// brick, as if every inode had been locked.
const maxLockedInodes = 1 << 16

// lockedInodes remembers, per session, the inodes on which this client
// asked for POSIX (fcntl) locks. Flush exists to drop the locks of a lock
// owner at close(2), and a brick holds none for an inode this client
// never locked: such a flush needs no round trip. An inode is recorded
// before the lock request is sent, so a request cut short (EINTR) that
// the brick granted anyway is still dropped at close.
type lockedInodes struct {
	mu       sync.Mutex
	gen      uint64 // the session the set belongs to
	m        map[fop.Gfid]struct{}
	overflow bool
}

// add records g for session gen.
func (l *lockedInodes) add(gen uint64, g fop.Gfid) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.resetLocked(gen)
	if l.overflow {
		return
	}
	if len(l.m) >= maxLockedInodes {
		l.overflow, l.m = true, nil
		return
	}
	l.m[g] = struct{}{}
}

// has reports whether session gen may hold POSIX locks on g.
func (l *lockedInodes) has(gen uint64, g fop.Gfid) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.resetLocked(gen)
	_, ok := l.m[g]
	return ok || l.overflow
}

// resetLocked starts afresh for a new session (the brick dropped the
// old one's locks). l.mu is held.
func (l *lockedInodes) resetLocked(gen uint64) {
	if l.m == nil && !l.overflow || l.gen != gen {
		l.gen, l.m, l.overflow = gen, map[fop.Gfid]struct{}{}, false
	}
}
