package brickd

import (
	"log/slog"
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/brickd/internal/posix"
)

// brick is one served brick: its directory, its locks and its sessions.
type brick struct {
	name  string
	log   *slog.Logger
	fs    *posix.Brick
	locks *locks.Manager

	// mu guards sessions.
	mu       sync.RWMutex
	sessions map[uint64]*session
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

// notify queues evs for every session of the brick but from.
func (b *brick) notify(from *session, evs []event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for id, s := range b.sessions {
		if id == from.id {
			continue
		}
		for _, e := range evs {
			s.queue.push(e)
		}
	}
}
