package fusefs

import (
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// eventQueueSize bounds the notifications waiting for the drain
// goroutine; past it they are all dropped and every inode is
// invalidated instead.
const eventQueueSize = 1 << 16

// eventQueue hands notifications from the volume to the drain goroutine.
// push never blocks.
type eventQueue struct {
	wake chan struct{} // one pending wake-up at most

	mu       sync.Mutex
	max      int
	events   []fop.Event
	overflow bool // events were dropped: invalidate everything
}

func (q *eventQueue) init(max int) {
	q.max = max
	q.wake = make(chan struct{}, 1)
}

func (q *eventQueue) push(ev fop.Event) {
	q.mu.Lock()
	switch {
	case q.overflow:
	case ev.Kind == fop.EventOverflow || len(q.events) >= q.max:
		q.overflow, q.events = true, nil
	default:
		q.events = append(q.events, ev)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns the queued events, or overflow if some were dropped.
func (q *eventQueue) take() (events []fop.Event, overflow bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	events, overflow = q.events, q.overflow
	q.events, q.overflow = nil, false
	return events, overflow
}

// sink is the volume's notification callback.
func (m *mount) sink(ev fop.Event) {
	switch ev.Kind {
	case fop.EventEntry:
		m.changes.entry(ev.Parent, ev.Name)
	case fop.EventInode:
		m.changes.inode(ev.Gfid)
		if n := m.inodes.get(ev.Gfid); n != nil {
			n.caps.invalidate()
		}
	default:
		m.changes.all()
		m.capGen.Add(1)
	}
	m.events.push(ev)
}

// invalidator is the kernel's side of the notifications; *fuse.Server.
type invalidator interface {
	EntryNotify(parent uint64, name string) fuse.Status
	InodeNotify(node uint64, off int64, length int64) fuse.Status
}

// drain applies queued notifications to the kernel until stop closes.
func (m *mount) drain(k invalidator, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-m.events.wake:
		}
		events, overflow := m.events.take()
		if overflow {
			m.invalidateAll(k)
			continue
		}
		seen := make(map[fop.Event]bool, len(events))
		for _, ev := range events {
			if !seen[ev] {
				seen[ev] = true
				m.invalidate(k, ev)
			}
		}
	}
}

// invalidate applies one notification. Node ids are gfid.Ino(), so a
// gfid the kernel does not know costs one ENOENT from the kernel.
func (m *mount) invalidate(k invalidator, ev fop.Event) {
	switch ev.Kind {
	case fop.EventEntry:
		m.notified("entry", k.EntryNotify(ev.Parent.Ino(), ev.Name))
	case fop.EventInode:
		// Offset 0, length 0: attributes and every cached page.
		m.notified("inode", k.InodeNotify(ev.Gfid.Ino(), 0, 0))
	default:
		m.invalidateAll(k)
	}
}

// invalidateAll drops the kernel's attributes, pages and names of every
// inode it knows. Negative entries are not known here: they expire with
// the negative timeout.
func (m *mount) invalidateAll(k invalidator) {
	nodes := m.inodes.all()
	m.log.Info("fusefs: notifications lost, invalidating every cached inode", "inodes", len(nodes))
	for _, n := range nodes {
		m.notified("inode", k.InodeNotify(n.gfid.Ino(), 0, 0))
		if !n.IsDir() {
			continue
		}
		for name := range n.Children() {
			m.notified("entry", k.EntryNotify(n.gfid.Ino(), name))
		}
	}
}

func (m *mount) notified(what string, st fuse.Status) {
	if st != fuse.OK && st != fuse.ENOENT && st != fuse.Status(syscall.ENOTDIR) {
		m.log.Debug("fusefs: kernel invalidation failed", "what", what, "status", st)
	}
}
