package locks

import "context"

// Get returns the first lock of the table of k that conflicts with lk
// (F_GETLK), or a lock of type Unlock when lk could be granted.
func (m *Manager) Get(k Key, lk Lock) Lock {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.tables[k]; t != nil {
		if c, ok := firstConflict(t.ranges, lk); ok {
			return c
		}
	}
	return Lock{Type: Unlock, Start: lk.Start, End: lk.End, Pid: lk.Pid, Owner: lk.Owner}
}

// Set applies lk (F_SETLK, or F_SETLKW when wait is true) to the table of
// k for lk.Owner. An unlock is always granted.
func (m *Manager) Set(ctx context.Context, k Key, lk Lock, wait bool) error {
	return m.SetContended(ctx, k, lk, wait, nil)
}

// SetContended is Set that tells contended which sessions hold the locks
// a blocking request waits for (replication's lock-contention events).
func (m *Manager) SetContended(ctx context.Context, k Key, lk Lock, wait bool, contended Contended) error {
	return m.acquire(ctx, k, wait, request{
		try: func(t *table) bool {
			if lk.Type != Unlock {
				if _, ok := firstConflict(t.ranges, lk); ok {
					return false
				}
			}
			t.ranges = apply(t.ranges, lk)
			return true
		},
		holders: func(t *table) []uint64 {
			var owners []Owner
			for _, l := range t.ranges {
				if l.conflicts(lk) {
					owners = append(owners, l.Owner)
				}
			}
			return sessionsOf(owners)
		},
	}, contended)
}

// ReleaseOwner drops every range lock of owner in the table of k (close(2)
// of a descriptor by that owner, or release of a flock's open file).
func (m *Manager) ReleaseOwner(k Key, owner Owner) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tables[k]
	if t == nil {
		return
	}
	n := len(t.ranges)
	t.ranges = apply(t.ranges, Lock{Type: Unlock, Start: 0, End: ToEOF, Owner: owner})
	if len(t.ranges) != n {
		t.wake()
	}
	m.done(k, t)
}

// SetEntry takes, converts or (Type Unlock) drops the entry lock el in the
// table of k.
func (m *Manager) SetEntry(ctx context.Context, k Key, el EntryLock, wait bool) error {
	return m.SetEntryContended(ctx, k, el, wait, nil)
}

// SetEntryContended is SetEntry that tells contended which sessions hold
// the locks a blocking request waits for.
func (m *Manager) SetEntryContended(ctx context.Context, k Key, el EntryLock, wait bool, contended Contended) error {
	return m.acquire(ctx, k, wait, request{
		try: func(t *table) bool {
			if el.Type != Unlock && entryConflict(t.entries, el) {
				return false
			}
			t.entries = entryApply(t.entries, el)
			return true
		},
		holders: func(t *table) []uint64 {
			var owners []Owner
			for _, l := range t.entries {
				if l.conflicts(el) {
					owners = append(owners, l.Owner)
				}
			}
			return sessionsOf(owners)
		},
	}, contended)
}
