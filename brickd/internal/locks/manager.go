package locks

import (
	"context"
	"slices"
	"sync"
	"syscall"
)

// Manager holds every lock table of one brick.
type Manager struct {
	// mu guards tables and everything inside them.
	mu     sync.Mutex
	tables map[Key]*table
}

// table is the lock state of one Key: byte ranges (Posix, Flock, Inode) or
// entry locks (Entry), plus the waiters of blocking requests.
type table struct {
	ranges  []Lock
	entries []EntryLock
	waiters int
	// changed is closed (and replaced) when a lock is released or changed,
	// waking the waiters; nil while nobody waits.
	changed chan struct{}
}

// NewManager returns an empty lock manager.
func NewManager() *Manager {
	return &Manager{tables: make(map[Key]*table)}
}

// get returns the table of k, creating it. m.mu is held.
func (m *Manager) get(k Key) *table {
	t := m.tables[k]
	if t == nil {
		t = &table{}
		m.tables[k] = t
	}
	return t
}

// done drops the table of k when it holds nothing. m.mu is held.
func (m *Manager) done(k Key, t *table) {
	if len(t.ranges) == 0 && len(t.entries) == 0 && t.waiters == 0 {
		delete(m.tables, k)
	}
}

// wake tells the waiters of t that its locks changed. m.mu is held.
func (t *table) wake() {
	if t.changed != nil {
		close(t.changed)
		t.changed = nil
	}
}

// Contended is told, when a blocking request has to wait, which sessions
// hold the locks it waits for. It is called without the manager's lock
// held and must not block.
type Contended func(sessions []uint64)

// request is one lock request on a table: try grants it (returns true)
// or refuses it; holders names the sessions whose locks refuse it.
type request struct {
	try     func(t *table) bool
	holders func(t *table) []uint64
}

// acquire runs req.try on the table of k until it grants the request.
// When try refuses and wait is false, it fails with EAGAIN; when wait is
// true, it tells contended (if not nil) who holds the conflicting locks,
// then waits for the table to change, until ctx ends (EINTR).
func (m *Manager) acquire(ctx context.Context, k Key, wait bool, req request, contended Contended) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		t := m.get(k)
		if req.try(t) {
			t.wake()
			m.done(k, t)
			return nil
		}
		if !wait {
			m.done(k, t)
			return syscall.EAGAIN
		}
		var holders []uint64
		if contended != nil {
			holders = req.holders(t)
		}
		if t.changed == nil {
			t.changed = make(chan struct{})
		}
		ch := t.changed
		t.waiters++
		m.mu.Unlock()
		if len(holders) > 0 {
			contended(holders)
		}
		var err error
		select {
		case <-ch:
		case <-ctx.Done():
			err = syscall.EINTR
		}
		m.mu.Lock()
		t.waiters--
		if err != nil {
			m.done(k, t)
			return err
		}
	}
}

// sessionsOf returns the distinct sessions of owners, in order of appearance.
func sessionsOf(owners []Owner) []uint64 {
	var out []uint64
	for _, o := range owners {
		if !slices.Contains(out, o.Session) {
			out = append(out, o.Session)
		}
	}
	return out
}

// ReleaseSession drops every lock held by session s, in every table, and
// wakes the waiters.
func (m *Manager) ReleaseSession(s uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, t := range m.tables {
		var r, e bool
		t.ranges, r = withoutSession(t.ranges, s)
		t.entries, e = entryWithoutSession(t.entries, s)
		if r || e {
			t.wake()
		}
		m.done(k, t)
	}
}

// Count returns the number of locks held in the table of k (for tests and
// metrics).
func (m *Manager) Count(k Key) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.tables[k]; t != nil {
		return len(t.ranges) + len(t.entries)
	}
	return 0
}

// Waiters returns the number of requests waiting in the table of k (for
// tests and metrics).
func (m *Manager) Waiters(k Key) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.tables[k]; t != nil {
		return t.waiters
	}
	return 0
}
