package brickd

import (
	"sync"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// maxPendingEvents bounds a session's queue of distinct unsent events;
// past it the queue collapses into one EVENT_OVERFLOW.
const maxPendingEvents = 4096

// event is a change notification before it goes on the wire.
type event struct {
	kind   brickpb.EventKind
	gfid   gfid.Gfid // EVENT_INODE
	parent gfid.Gfid // EVENT_ENTRY
	name   string    // EVENT_ENTRY
	domain string    // EVENT_LOCK_CONTENTION (with gfid)
}

func inodeEvent(g gfid.Gfid) event { return event{kind: brickpb.EventKind_EVENT_INODE, gfid: g} }

func entryEvent(parent gfid.Gfid, name string) event {
	return event{kind: brickpb.EventKind_EVENT_ENTRY, parent: parent, name: name}
}

// contentionEvent tells a lock holder that another request waits for its
// internal lock on g in domain.
func contentionEvent(g gfid.Gfid, domain string) event {
	return event{kind: brickpb.EventKind_EVENT_LOCK_CONTENTION, gfid: g, domain: domain}
}

func (e event) wire() *brickpb.Event {
	w := &brickpb.Event{Kind: e.kind}
	switch e.kind {
	case brickpb.EventKind_EVENT_INODE:
		w.Gfid = e.gfid.Bytes()
	case brickpb.EventKind_EVENT_ENTRY:
		w.Parent = e.parent.Bytes()
		w.Name = []byte(e.name)
	case brickpb.EventKind_EVENT_LOCK_CONTENTION:
		w.Gfid = e.gfid.Bytes()
		w.Domain = e.domain
	}
	return w
}

// eventQueue is one session's bounded, coalescing queue of events. push
// never blocks; the session's stream handler takes and sends.
type eventQueue struct {
	max   int
	ready chan struct{} // has a token while events wait

	// mu guards the fields below.
	mu       sync.Mutex
	pending  []event
	seen     map[event]bool
	overflow bool
}

func newEventQueue(max int) *eventQueue {
	return &eventQueue{max: max, ready: make(chan struct{}, 1), seen: make(map[event]bool)}
}

// push queues e unless an identical event is already waiting.
func (q *eventQueue) push(e event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.overflow || q.seen[e]:
		return
	case len(q.pending) >= q.max:
		q.pending, q.seen, q.overflow = nil, make(map[event]bool), true
	default:
		q.pending = append(q.pending, e)
		q.seen[e] = true
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take returns and clears what waits: the events in order, or one
// EVENT_OVERFLOW.
func (q *eventQueue) take() []event {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.overflow {
		q.overflow = false
		return []event{{kind: brickpb.EventKind_EVENT_OVERFLOW}}
	}
	out := q.pending
	q.pending, q.seen = nil, make(map[event]bool)
	return out
}
