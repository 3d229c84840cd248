package heal

import (
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestQueueHolds: a gfid is queued once; after a heal it is held back for
// a moment, after failures for a backoff that doubles up to a bound.
func TestQueueHolds(t *testing.T) {
	q := newQueue(4)
	now := time.Unix(1000, 0)
	q.now = func() time.Time { return now }
	g := fop.NewGfid()
	pushPop := func() bool {
		q.push(g)
		q.push(g) // deduplicated
		select {
		case <-q.ch:
			q.mu.Lock()
			delete(q.queued, g)
			q.mu.Unlock()
			if len(q.ch) != 0 {
				t.Fatal("queued twice")
			}
			return true
		default:
			return false
		}
	}
	if !pushPop() {
		t.Fatal("not queued")
	}
	q.done(g, false)
	if pushPop() {
		t.Fatal("queued again right after a heal")
	}
	now = now.Add(holdAfterHeal)
	if !pushPop() {
		t.Fatal("held back after holdAfterHeal")
	}
	var backoffs []time.Duration
	for range 8 {
		q.done(g, true)
		backoffs = append(backoffs, q.held[g].backoff)
		if pushPop() {
			t.Fatal("queued again right after a failure")
		}
		now = now.Add(q.held[g].backoff)
	}
	if backoffs[0] != holdAfterFailure || backoffs[1] != 2*holdAfterFailure || backoffs[7] != holdMax {
		t.Fatalf("backoffs %v", backoffs)
	}
	if st := q.deferred.Load(); st != 18 { // two pushes each time it was held back
		t.Fatalf("deferred %d", st)
	}
	for range 10 {
		q.push(fop.NewGfid())
	}
	if q.dropped.Load() != 6 {
		t.Fatalf("dropped %d, want 6 beyond the 4 queued", q.dropped.Load())
	}
}
