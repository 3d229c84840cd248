package brickd

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/brickd/internal/posix"
)

// brick is one served brick: its directory, its locks and its sessions.
type brick struct {
	name  string
	log   *slog.Logger
	fs    *posix.Brick
	locks *locks.Manager

	// removing refuses new sessions and calls once RemoveBrick has begun.
	removing atomic.Bool
	// gate is held for reading by every call in flight on the brick;
	// RemoveBrick takes it for writing before closing fs.
	gate   sync.RWMutex
	closed bool // guarded by gate

	// mu guards sessions.
	mu       sync.RWMutex
	sessions map[uint64]*session
}

func newBrick(name string, log *slog.Logger, fs *posix.Brick) *brick {
	return &brick{name: name, log: log, fs: fs, locks: locks.NewManager(), sessions: make(map[uint64]*session)}
}

// enter holds the brick's gate for a call; false when the brick is being
// removed.
func (b *brick) enter() bool {
	b.gate.RLock()
	if b.removing.Load() || b.closed {
		b.gate.RUnlock()
		return false
	}
	return true
}

// close ends the brick's sessions, waits for the calls in flight on it and
// closes its directory; it runs once.
func (b *brick) close() error {
	b.removing.Store(true)
	b.endSessions() // this ends the lock waits that hold the gate
	b.gate.Lock()
	defer b.gate.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.endSessions()
	return b.fs.Close()
}

// endSessions ends every session of the brick.
func (b *brick) endSessions() {
	b.mu.RLock()
	all := make([]*session, 0, len(b.sessions))
	for _, s := range b.sessions {
		all = append(all, s)
	}
	b.mu.RUnlock()
	for _, s := range all {
		s.end()
	}
}

func (b *brick) attach(s *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sessions[s.id] = s
}

func (b *brick) detach(s *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.sessions, s.id)
}

// notify queues the change events evs for every session of the brick but
// from and the quiet ones.
func (b *brick) notify(from *session, evs []event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for id, s := range b.sessions {
		if id == from.id || s.quiet {
			continue
		}
		for _, e := range evs {
			s.queue.push(e)
		}
	}
}
