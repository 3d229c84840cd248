package fusefs

import (
	"context"
	"fmt"
	"sync"
	"syscall"
)

// Write-behind, as GlusterFS's performance.write-behind: a write(2) to a
// file opened without O_SYNC, O_DSYNC, O_DIRECT or O_APPEND is answered
// once its data is copied, and goes to the volume in the background, so
// the application prepares the next write while the last one travels to
// the bricks. Each inode has one queue; its writes are sent in order,
// several at a time, except that a write never starts while an earlier
// one it overlaps is queued or under way, so the bricks apply
// overlapping writes in the order they were made.
//
// The queue is bounded (Options.WriteBehindWindow bytes per inode): a
// write that does not fit waits for room. Everything that must see the
// written data waits for the queue to empty first — reads, stat and
// lookups of the inode, setattr, fsync, flush, release, locks,
// fallocate, lseek — so this client never observes its own writes out of
// order, and close(2) returns only once the data is on the bricks
// (close-to-open consistency for other clients, unlike GlusterFS's
// flush-behind).
//
// A background write that fails is not forgotten: the open file that
// made it answers the error to its next write, fsync or close, once
// (GlusterFS does the same); a file released with an error nobody
// received logs it.

// writeQueue is the write-behind queue of one inode.
type writeQueue struct {
	mu     sync.Mutex
	wake   chan struct{} // closed (and replaced) when a write ends
	queued []*behindWrite
	flying []*behindWrite
	bytes  int // of queued and flying writes
}

// behindWrite is one write answered before it was made.
type behindWrite struct {
	h    *file
	off  int64
	data []byte
	buf  *[]byte // data's buffer, from behindBufs; nil for small writes
}

// behindBufs are the buffers of large writes made behind: a fresh 1 MiB
// allocation per write is garbage the Go runtime hands back to the kernel
// and faults in again, which costs more than the copy.
var behindBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, behindBufSize)
	return &b
}}

const (
	behindBufSize = 1 << 20  // FUSE's largest write
	behindPooled  = 64 << 10 // writes from this size use behindBufs
)

// copyData returns a copy of data, in a pooled buffer if it is large.
func copyData(data []byte) ([]byte, *[]byte) {
	if len(data) < behindPooled || len(data) > behindBufSize {
		return append([]byte(nil), data...), nil
	}
	buf := behindBufs.Get().(*[]byte)
	return append((*buf)[:0], data...), buf
}

func (w *behindWrite) end() int64 { return w.off + int64(len(w.data)) }

func (w *behindWrite) overlaps(o *behindWrite) bool {
	return w.off < o.end() && o.off < w.end()
}

// maxFlying is how many writes of one inode are under way at once.
const maxFlying = 4

// behind reports whether writes to an open file with flags go through
// write-behind on this mount.
func (m *mount) behind(flags uint32) bool {
	const sync = syscall.O_SYNC | syscall.O_DSYNC | syscall.O_DIRECT | syscall.O_APPEND
	return m.behindWindow.Load() > 0 && flags&sync == 0
}

// SetWriteBehindWindow changes the write-behind window: files opened from
// now on use write-behind if it is not 0, and every queue's bound is the
// new one.
func (l *Live) SetWriteBehindWindow(bytes int) {
	l.m.behindWindow.Store(int64(max(bytes, 0)))
}

// writeBehind queues a copy of data for writing at off through h, after
// waiting for room in the window.
func (q *writeQueue) writeBehind(h *file, data []byte, off int64) {
	window := int(h.n.m.behindWindow.Load())
	w := &behindWrite{h: h, off: off}
	w.data, w.buf = copyData(data)
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.bytes > 0 && q.bytes+len(data) > window {
		q.waitLocked()
	}
	q.queued = append(q.queued, w)
	q.bytes += len(data)
	h.n.m.behindWG.Add(1)
	q.dispatchLocked()
}

// dispatchLocked starts the queued writes that may start. q.mu is held.
func (q *writeQueue) dispatchLocked() {
	for len(q.queued) > 0 && len(q.flying) < maxFlying {
		w := q.queued[0]
		for _, f := range q.flying {
			if w.overlaps(f) {
				return
			}
		}
		q.queued = q.queued[1:]
		q.flying = append(q.flying, w)
		go q.send(w)
	}
}

// send makes w in the background. The mount's wait group owns it; the
// write itself is bounded by the volume (a dead brick is given up within
// seconds).
func (q *writeQueue) send(w *behindWrite) {
	m := w.h.n.m
	defer m.behindWG.Done()
	n, err := w.h.f.Write(context.Background(), w.data, w.off)
	if err == nil && n < len(w.data) {
		err = fmt.Errorf("short write of %d bytes of %d at %d: %w", n, len(w.data), w.off, syscall.EIO)
	}
	if n > 0 {
		m.changes.inode(w.h.n.gfid)
	}
	if err != nil {
		m.log.Warn("fusefs: a write answered before it was made failed; its file reports it at the next write, fsync or close",
			"gfid", w.h.n.gfid.String(), "offset", w.off, "length", len(w.data), "err", err)
		w.h.failBehind(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.flying {
		if f == w {
			q.flying = append(q.flying[:i], q.flying[i+1:]...)
			break
		}
	}
	q.bytes -= len(w.data)
	if w.buf != nil {
		behindBufs.Put(w.buf)
	}
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
	q.dispatchLocked()
}

// waitLocked waits for a write to end; q.mu is held, and released while
// waiting. The wait ignores interrupts on purpose: the kernel interrupts
// a request for any signal with a handler (the Go runtime's preemption
// signal among them), and close(2) or write(2) failing with EINTR would
// lose nothing yet make most programs give up. The wait is bounded by the
// write under way, which the volume ends within its own bounds (a dead
// brick is given up within seconds).
func (q *writeQueue) waitLocked() {
	if q.wake == nil {
		q.wake = make(chan struct{})
	}
	wake := q.wake
	q.mu.Unlock()
	<-wake
	q.mu.Lock()
}

// settle waits until every write of the inode is made (not ended by an
// interrupt, see waitLocked).
func (q *writeQueue) settle() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.bytes > 0 {
		q.waitLocked()
	}
}

// busy reports whether the inode has writes not made yet.
func (q *writeQueue) busy() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes > 0
}

// behindErr is the first error of h's background writes, not yet
// reported; guarded by errMu.
type behindErr struct {
	errMu sync.Mutex
	err   error
}

func (h *file) failBehind(err error) {
	h.errMu.Lock()
	defer h.errMu.Unlock()
	if h.err == nil {
		h.err = err
	}
}

// takeBehindErr returns and forgets the error h has not reported yet.
func (h *file) takeBehindErr() error {
	h.errMu.Lock()
	defer h.errMu.Unlock()
	err := h.err
	h.err = nil
	return err
}

// settled waits for the writes of h's inode, and returns the error of
// h's that failed.
func (h *file) settled() error {
	h.n.writes.settle()
	return h.takeBehindErr()
}
