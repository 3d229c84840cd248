package heal

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/mortarfs/mortar/mount/fop"
)

// queue is the bounded background queue of gfids to heal. A gfid is in it
// at most once; what does not fit is dropped and counted (the index crawl
// catches up, since the inode stays in the dirty index).
type queue struct {
	ch chan fop.Gfid

	// mu guards queued and closed.
	mu     sync.Mutex
	queued map[fop.Gfid]bool
	closed bool

	dropped atomic.Uint64
	healed  atomic.Uint64
	failed  atomic.Uint64
}

func newQueue(size int) *queue {
	return &queue{ch: make(chan fop.Gfid, size), queued: make(map[fop.Gfid]bool)}
}

// push adds g unless it is queued already; it never blocks.
func (q *queue) push(g fop.Gfid) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.queued[g] {
		return
	}
	select {
	case q.ch <- g:
		q.queued[g] = true
	default:
		q.dropped.Add(1)
	}
}

// pop waits for the next gfid; false when ctx ends or the queue closed.
func (q *queue) pop(ctx context.Context) (fop.Gfid, bool) {
	select {
	case <-ctx.Done():
		return fop.Gfid{}, false
	case g := <-q.ch:
		q.mu.Lock()
		delete(q.queued, g) // queued again from now on: marks made during the heal count
		closed := q.closed
		q.mu.Unlock()
		return g, !closed
	}
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// Queue asks for a background heal of g (afr calls it when a lookup sees
// pending counters). It never blocks: when the queue is full, g is dropped
// and counted. Nothing happens before Start or after Close.
func (e *Engine) Queue(g fop.Gfid) { e.q.push(g) }

// Stats are the engine's counters, for metrics.
type Stats struct {
	Backlog int    // gfids waiting in the queue
	Dropped uint64 // gfids dropped because the queue was full
	Healed  uint64 // background heals that finished
	Failed  uint64 // background heals that failed
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	return Stats{Backlog: len(e.q.ch), Dropped: e.q.dropped.Load(), Healed: e.q.healed.Load(), Failed: e.q.failed.Load()}
}

// work heals queued gfids until ctx ends.
func (e *Engine) work(ctx context.Context) {
	defer e.workers.Done()
	for {
		g, ok := e.q.pop(ctx)
		if !ok {
			return
		}
		r, err := e.HealGfid(ctx, g)
		switch {
		case err == nil:
			e.q.healed.Add(1)
			if !r.Clean() {
				e.log.Info("healed", "gfid", g, "healed", r.Healed, "split-brain", r.SplitBrain, "bytes", r.Bytes)
			}
		case ctx.Err() != nil:
			return
		default:
			e.q.failed.Add(1)
			level := slogLevelOf(err)
			e.log.Log(ctx, level, "background heal failed", "gfid", g, "err", err)
		}
	}
}
