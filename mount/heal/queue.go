package heal

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Background heals of one gfid are spaced: after a heal, a gfid queued
// again is ignored for holdAfterHeal (the lookup that queues it may have
// seen the counters the heal just cleared); after a failure (a brick that
// is full, a lock that stays busy) for a backoff that doubles from
// holdAfterFailure up to holdMax. The index crawl is not held back.
const (
	holdAfterHeal    = time.Second
	holdAfterFailure = 2 * time.Second
	holdMax          = time.Minute
	maxHeld          = 1 << 16 // gfids remembered; the expired are forgotten beyond
)

// queue is the bounded background queue of gfids to heal. A gfid is in it
// at most once; what does not fit is dropped and counted (the index crawl
// catches up, since the inode stays in the dirty index).
type queue struct {
	ch  chan fop.Gfid
	now func() time.Time

	// mu guards queued, held and closed.
	mu     sync.Mutex
	queued map[fop.Gfid]bool
	held   map[fop.Gfid]hold
	closed bool

	dropped  atomic.Uint64
	deferred atomic.Uint64
	healed   atomic.Uint64
	failed   atomic.Uint64
}

// hold is when a gfid may be queued again, and the backoff that got it there.
type hold struct {
	until   time.Time
	backoff time.Duration
}

func newQueue(size int) *queue {
	return &queue{ch: make(chan fop.Gfid, size), now: time.Now,
		queued: make(map[fop.Gfid]bool), held: make(map[fop.Gfid]hold)}
}

// push adds g unless it is queued already or held back; it never blocks.
func (q *queue) push(g fop.Gfid) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.queued[g] {
		return
	}
	if h, ok := q.held[g]; ok && q.now().Before(h.until) {
		q.deferred.Add(1)
		return
	}
	select {
	case q.ch <- g:
		q.queued[g] = true
	default:
		q.dropped.Add(1)
	}
}

// done holds g back after a background heal of it.
func (q *queue) done(g fop.Gfid, failed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := hold{backoff: 0, until: q.now().Add(holdAfterHeal)}
	if failed {
		h.backoff = min(max(q.held[g].backoff*2, holdAfterFailure), holdMax)
		h.until = q.now().Add(h.backoff)
	}
	if len(q.held) >= maxHeld {
		q.forgetExpired()
	}
	q.held[g] = h
}

// forgetExpired drops the holds that have run out (all of them if none has:
// the bound matters more than the spacing).
func (q *queue) forgetExpired() {
	now := q.now()
	for g, h := range q.held {
		if !now.Before(h.until) {
			delete(q.held, g)
		}
	}
	if len(q.held) >= maxHeld {
		clear(q.held)
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
// and counted; a gfid healed a moment ago, or failing, is held back (see
// holdAfterHeal). What is queued before Start waits for it; after Close
// nothing is queued.
func (e *Engine) Queue(g fop.Gfid) { e.q.push(g) }

// Stats are the engine's counters, for metrics.
type Stats struct {
	Backlog  int    // gfids waiting in the queue
	Dropped  uint64 // gfids dropped because the queue was full
	Deferred uint64 // gfids ignored because they were healed, or failed, just before
	Healed   uint64 // background heals that finished
	Failed   uint64 // background heals that failed
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	return Stats{Backlog: len(e.q.ch), Dropped: e.q.dropped.Load(), Deferred: e.q.deferred.Load(),
		Healed: e.q.healed.Load(), Failed: e.q.failed.Load()}
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
		e.q.done(g, err != nil && ctx.Err() == nil && !errors.Is(err, errGone))
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
