package brickd

import (
	"context"
	"sync/atomic"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/brickd/internal/posix"
)

// session is one client's session on one brick: its open files and
// directories, its locks (in the brick's lock manager, by session id) and
// its queue of change notifications.
type session struct {
	id     uint64
	client string
	// quiet sessions are sent no entry or inode events (no_change_events).
	quiet bool
	brick *brick
	queue *eventQueue
	// ctx ends with the session; blocking lock waits are bound to it.
	ctx    context.Context
	cancel context.CancelFunc
	files  fdTable[*openFile]
	dirs   fdTable[*posix.Dir]
	ended  atomic.Bool
}

// bind returns a context that ends with ctx or with the session.
func (s *session) bind(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// end releases everything the session holds; it runs once.
func (s *session) end() {
	if !s.ended.CompareAndSwap(false, true) {
		return
	}
	s.cancel()
	s.brick.detach(s)
	for fd, f := range s.files.closeAll() {
		s.closeFile(fd, f)
	}
	for _, d := range s.dirs.closeAll() {
		_ = d.Close()
	}
	s.brick.locks.ReleaseSession(s.id)
}

// closeFile closes an open file and drops its flock.
func (s *session) closeFile(fd uint64, f *openFile) {
	if err := f.close(); err != nil {
		s.brick.log.Warn("close", "brick", s.brick.name, "gfid", f.gfid, "err", err)
	}
	s.brick.locks.ReleaseOwner(locks.Key{Space: locks.Flock, Gfid: f.gfid}, locks.Owner{Session: s.id, ID: fd})
}

// notify queues evs for every other session of the brick.
func (s *session) notify(evs ...event) {
	s.brick.notify(s, evs)
}

// contended returns the callback of a blocking internal lock request of
// the session on g in domain: it queues EVENT_LOCK_CONTENTION for every
// session that holds a conflicting lock (this one included: two
// transactions of one client conflict too), so that a client holding an
// eager lock releases it soon. Identical events waiting in a queue are
// sent once.
func (s *session) contended(g gfid.Gfid, domain string) locks.Contended {
	return func(holders []uint64) {
		s.brick.pushTo(holders, contentionEvent(g, domain))
	}
}

// pushTo queues e for the sessions ids of the brick that still exist.
func (b *brick) pushTo(ids []uint64, e event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, id := range ids {
		if s := b.sessions[id]; s != nil {
			s.queue.push(e)
		}
	}
}

// pump sends the session's events with send until the session ends or
// send fails.
func (s *session) pump(send func(event) error) error {
	for {
		select {
		case <-s.ctx.Done():
			return nil
		case <-s.queue.ready:
		}
		for _, e := range s.queue.take() {
			if err := send(e); err != nil {
				return err
			}
		}
	}
}
