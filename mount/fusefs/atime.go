package fusefs

import (
	"context"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// Access times, relatime emulated at open.
//
// The kernel serves reads of a cached file (and of its mappings) from
// its page cache without a request, and FUSE never sends an atime back:
// a file read from the cache would keep its atime forever. The brick
// applies relatime to every read that reaches it. So when a file is
// opened for reading through the page cache, and the times this node
// last gave the kernel satisfy relatime's condition (atime not after
// mtime or ctime, or older than a day), fusefs reads one byte through
// the new open file: the brick's own relatime moves atime, and ctime
// stays (a Setattr would change it). The kernel's cached attributes are
// then dropped so that the next stat shows the new atime. The check is
// on remembered times, so the common open (atime already newer) costs
// no round trip.

// relatimeMaxAge is the age past which relatime updates atime on any read.
const relatimeMaxAge = 24 * time.Hour

// seenTimes are the times of an inode as the kernel was last told them.
type seenTimes struct {
	mu                  sync.Mutex
	atime, mtime, ctime fop.Timespec
}

func (s *seenTimes) record(a *fop.Attr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.atime, s.mtime, s.ctime = a.Atime, a.Mtime, a.Ctime
}

// due reports whether a read at now would update atime by relatime's rules.
func (s *seenTimes) due(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !after(s.atime, s.mtime) || !after(s.atime, s.ctime) ||
		now.Sub(time.Unix(s.atime.Sec, int64(s.atime.Nsec))) >= relatimeMaxAge
}

// accessed records that atime was moved to about now.
func (s *seenTimes) accessed(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.atime = fop.Timespec{Sec: now.Unix(), Nsec: uint32(now.Nanosecond())}
}

// after reports whether a is later than b.
func after(a, b fop.Timespec) bool {
	return a.Sec > b.Sec || a.Sec == b.Sec && a.Nsec > b.Nsec
}

// readsCached reports whether an open with these open(2) flags, answered
// with fuseFlags, may read from the page cache, where the brick never
// sees the read: opened for reading, atime wanted, not direct I/O, not
// truncated (nothing left to read).
func (m *mount) readsCached(flags, fuseFlags uint32) bool {
	acc := flags & syscall.O_ACCMODE
	return !m.noatime.Load() && (acc == syscall.O_RDONLY || acc == syscall.O_RDWR) &&
		flags&(syscall.O_NOATIME|syscall.O_DIRECT|syscall.O_TRUNC) == 0 &&
		fuseFlags&fuse.FOPEN_DIRECT_IO == 0
}

// touchAtime updates the atime of n, just opened as f, if relatime says
// a read now would: one byte read through f, then the kernel's cached
// attributes dropped. Failing only leaves atime as it was.
func (n *node) touchAtime(ctx context.Context, f fop.File) {
	now := time.Now()
	if !n.times.due(now) {
		return
	}
	var b [1]byte
	if _, err := f.Read(ctx, b[:], 0); err != nil {
		n.m.log.Debug("fusefs: atime update failed", "gfid", n.gfid.String(), "err", err)
		return
	}
	n.times.accessed(now)
	n.m.invalidateAttr(n.gfid)
}

// invalidateAttr drops the kernel's cached attributes of g (not its
// pages). Unlike other invalidations it may run inside a FUSE request:
// with a negative offset the kernel takes no lock that a request holds
// (no inode lock, only its attribute spinlock), so it cannot deadlock,
// and it must be done before the request returns, or a stat that
// follows could still see the old attributes.
func (m *mount) invalidateAttr(g fop.Gfid) {
	if m.kernel != nil {
		m.notified("attr", m.kernel.InodeNotify(g.Ino(), -1, 0))
	}
}
