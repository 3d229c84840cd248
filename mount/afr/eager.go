package afr

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Eager locking and delayed post-op. A data transaction (write,
// truncate, fallocate) takes the data lock of its inode and marks the
// inode's data counters (pre-op); instead of undoing the mark and
// unlocking at once, the set keeps both — a window — and the next data
// operations on the inode join it: each costs one RPC per brick. The
// window closes (post-op, unlock) after PostOpDelay without operations,
// at fsync, flush and release, when another client waits for the lock
// (a lock-contention event from a brick), and at once after an operation
// failed on some brick (that brick is then accused by the post-op).

// eagerState is the state of one inode's window.
type eagerState int

const (
	eagerIdle      eagerState = iota // nothing held
	eagerTaking                      // lock and pre-op under way
	eagerHeld                        // locked and marked: operations join
	eagerReleasing                   // post-op and unlock under way
)

// eagerLock is the window of one inode.
type eagerLock struct {
	t    *eagerTable
	gfid fop.Gfid
	refs atomic.Int64 // holders: callers, an armed timer

	// mu guards the fields below.
	mu     sync.Mutex
	state  eagerState
	wake   chan struct{} // closed (and replaced) at every change of state
	gen    uint64        // number of the last window opened
	owner  uint64
	ids    []string
	locked []bool // bricks holding the lock
	marked []bool // bricks carrying the pre-op mark
	failed []bool // an operation failed on a marked brick
	users  int    // operations in flight in the window
	drain  bool   // close the window as soon as users is 0
	timer  *time.Timer
}

// setLocked changes the state and wakes the waiters. e.mu is held.
func (e *eagerLock) setLocked(st eagerState) {
	e.state = st
	close(e.wake)
	e.wake = make(chan struct{})
}

// eagerTable holds the windows of a set's inodes; an entry lives while
// a window is open or somebody holds it.
type eagerTable struct {
	s *Set

	// mu guards m. Lock order: mu, then an entry's mu.
	mu sync.Mutex
	m  map[fop.Gfid]*eagerLock
}

func newEagerTable(s *Set) *eagerTable {
	return &eagerTable{s: s, m: map[fop.Gfid]*eagerLock{}}
}

// ref returns the window of g, making one, and holds it.
func (t *eagerTable) ref(g fop.Gfid) *eagerLock {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[g]
	if e == nil {
		e = &eagerLock{t: t, gfid: g, wake: make(chan struct{})}
		t.m[g] = e
	}
	e.refs.Add(1)
	return e
}

// lookup returns the window of g if there is one, held.
func (t *eagerTable) lookup(g fop.Gfid) *eagerLock {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[g]
	if e != nil {
		e.refs.Add(1)
	}
	return e
}

// all returns every window, held.
func (t *eagerTable) all() []*eagerLock {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*eagerLock, 0, len(t.m))
	for _, e := range t.m {
		e.refs.Add(1)
		out = append(out, e)
	}
	return out
}

// unref lets go of e. Never called with e.mu held.
func (t *eagerTable) unref(e *eagerLock) {
	if e.refs.Add(-1) == 0 {
		t.drop(e)
	}
}

// drop forgets e if it is idle and nobody holds it.
func (t *eagerTable) drop(e *eagerLock) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.mu.Lock()
	idle := e.state == eagerIdle
	e.mu.Unlock()
	if idle && e.refs.Load() == 0 && t.m[e.gfid] == e {
		delete(t.m, e.gfid)
	}
}

// window is one operation's part in an eager window.
type window struct {
	e  *eagerLock
	on []bool // bricks to send the operation to
}

// begin joins the open window of g, or opens one (lock and pre-op).
// Operations wait while a window is being opened or closed, and do not
// join one that is closing.
func (t *eagerTable) begin(ctx context.Context, g fop.Gfid) (*window, error) {
	e := t.ref(g)
	for {
		e.mu.Lock()
		switch {
		case e.state == eagerHeld && !e.drain:
			w := e.joinLocked()
			e.mu.Unlock()
			return w, nil
		case e.state == eagerIdle:
			w, err := e.open(ctx)
			if err != nil {
				t.unref(e)
				return nil, err
			}
			return w, nil
		}
		// Waiting for the window to open or close takes a few round
		// trips; it does not end with ctx (see lockAll).
		wake := e.wake
		e.mu.Unlock()
		<-wake
	}
}

// joinLocked adds one operation to the held window. e.mu is held.
func (e *eagerLock) joinLocked() *window {
	e.users++
	if e.timer != nil && e.timer.Stop() {
		e.refs.Add(-1) // the timer's hold; the caller holds e too
	}
	e.timer = nil
	on := make([]bool, len(e.marked))
	for i := range on {
		on[i] = e.marked[i] && !e.failed[i]
	}
	return &window{e: e, on: on}
}

// open takes the lock and makes the mark. e.mu is held on entry and
// released on return.
func (e *eagerLock) open(ctx context.Context) (*window, error) {
	e.setLocked(eagerTaking)
	e.mu.Unlock()
	st, err := e.t.s.takeData(ctx, e.gfid)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.drain = false
		e.setLocked(eagerIdle)
		return nil, err
	}
	e.gen++
	e.owner, e.ids, e.locked, e.marked = st.owner, st.ids, st.locked, st.marked
	e.failed = make([]bool, len(st.marked))
	e.setLocked(eagerHeld)
	return e.joinLocked(), nil
}

// adopt opens the window of g with a lock and pre-op already made (by
// the create of a new file), idle until the first operation joins it. It
// reports false when g has a window already.
func (t *eagerTable) adopt(g fop.Gfid, st dataTake) bool {
	e := t.ref(g)
	defer t.unref(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != eagerIdle {
		return false
	}
	e.gen++
	e.owner, e.ids, e.locked, e.marked = st.owner, st.ids, st.locked, st.marked
	e.failed = make([]bool, len(st.marked))
	e.setLocked(eagerHeld)
	e.armLocked(t.s.opts.PostOpDelay)
	return true
}

// end records the outcome of w's operation: failed marks the bricks
// where it failed (they will be accused); the window closes at once
// after a failure, else after PostOpDelay of idleness.
func (w *window) end(failed []bool) {
	e, s := w.e, w.e.t.s
	e.mu.Lock()
	var accused []bool
	for i, f := range failed {
		if f {
			e.failed[i] = true
			accused = e.failed
		}
	}
	if accused != nil {
		e.drain = true
		accused = append([]bool(nil), accused...)
	}
	e.users--
	if s.opts.PostOpDelay == 0 {
		e.drain = true
	}
	closing := e.closingLocked()
	if !closing && e.users == 0 && e.state == eagerHeld {
		e.armLocked(s.opts.PostOpDelay)
	}
	e.mu.Unlock()
	if accused != nil {
		s.health.update(e.gfid, func(h *health) *health { return h.accuse(Data, accused) })
	}
	if closing {
		s.bg.run(e.release)
	}
	e.t.unref(e)
}

// armLocked starts the idle timer of the window. e.mu is held; the
// caller holds e, so the timer's hold is added safely.
func (e *eagerLock) armLocked(d time.Duration) {
	gen := e.gen
	e.refs.Add(1)
	e.timer = time.AfterFunc(d, func() {
		if !e.t.s.bg.tryRun(func() { e.idle(gen) }) {
			e.t.unref(e) // closing: Close releases every window
		}
	})
}

// idle closes window gen if it is still open and unused.
func (e *eagerLock) idle(gen uint64) {
	defer e.t.unref(e)
	e.mu.Lock()
	if e.gen != gen || e.state != eagerHeld || e.users > 0 {
		e.mu.Unlock()
		return
	}
	e.timer = nil
	e.drain = true
	closing := e.closingLocked()
	e.mu.Unlock()
	if closing {
		e.release()
	}
}

// closingLocked moves a held, drained window without users to
// releasing, and reports whether it did: the caller must then call
// release, without e.mu. e.mu is held.
func (e *eagerLock) closingLocked() bool {
	if e.state != eagerHeld || !e.drain || e.users > 0 {
		return false
	}
	if e.timer != nil && e.timer.Stop() {
		e.refs.Add(-1) // the window is not idle: no drop is due
	}
	e.timer = nil
	e.setLocked(eagerReleasing)
	return true
}

// release does the post-op (−1 for the bricks where every operation of
// the window succeeded, on every marked brick) and unlocks.
func (e *eagerLock) release() {
	end := e.ending()
	e.t.s.postOpUnlock(context.Background(), inodeLock(e.gfid, DataDomain), end.deltas, end.marked, end.locked, end.owner)
	e.closed()
}

// windowEnd is what closing a window must do: deltas on the bricks in
// marked, the unlock of owner's lock on the bricks in locked.
type windowEnd struct {
	e              *eagerLock
	deltas         []fop.PendingDelta
	marked, locked []bool
	owner          uint64
}

// ending returns the end of the window being released.
func (e *eagerLock) ending() windowEnd {
	e.mu.Lock()
	defer e.mu.Unlock()
	ok := make([]bool, len(e.marked))
	for i := range ok {
		ok[i] = e.marked[i] && !e.failed[i]
	}
	return windowEnd{e: e, deltas: decrements(Data, e.ids, ok), marked: e.marked, locked: e.locked, owner: e.owner}
}

// takeIdle moves the window of g, if it is held and has no operation in
// flight, to releasing, and returns its end: the caller carries it out
// (a file's release, file.go) and then calls end.e.closed and
// t.unref(end.e).
func (t *eagerTable) takeIdle(g fop.Gfid) (windowEnd, bool) {
	e := t.lookup(g)
	if e == nil {
		return windowEnd{}, false
	}
	e.mu.Lock()
	if e.state == eagerHeld && e.users == 0 {
		e.drain = true
	}
	closing := e.closingLocked()
	e.mu.Unlock()
	if !closing {
		t.unref(e)
		return windowEnd{}, false
	}
	return e.ending(), true
}

// closed marks a released window idle.
func (e *eagerLock) closed() {
	e.mu.Lock()
	e.drain = false
	e.locked, e.marked, e.failed = nil, nil, nil
	e.setLocked(eagerIdle)
	e.mu.Unlock()
	if e.refs.Load() == 0 {
		e.t.drop(e)
	}
}

// close closes the window that is open (or being opened) now, as soon as
// its operations are done, and waits until it is closed.
func (e *eagerLock) close(ctx context.Context) {
	e.mu.Lock()
	target := e.gen
	if e.state == eagerTaking {
		target++
	}
	for {
		closed := e.state == eagerIdle || e.gen > target || (e.gen == target && e.state == eagerTaking)
		if closed {
			e.mu.Unlock()
			return
		}
		e.drain = true
		if e.closingLocked() {
			e.mu.Unlock()
			e.release()
			return
		}
		wake := e.wake
		e.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return
		}
		e.mu.Lock()
	}
}

// contended: another client waits for the data lock of g. The window
// closes as soon as its operations in flight are done.
func (t *eagerTable) contended(g fop.Gfid) {
	e := t.lookup(g)
	if e == nil {
		return
	}
	defer t.unref(e)
	e.mu.Lock()
	if e.state == eagerIdle {
		e.mu.Unlock()
		return
	}
	e.drain = true
	closing := e.closingLocked()
	e.mu.Unlock()
	if closing {
		t.s.bg.run(e.release)
	}
}

// contendedAll treats every window as contended (contention events may
// have been lost).
func (t *eagerTable) contendedAll() {
	for _, e := range t.all() {
		t.contended(e.gfid)
		t.unref(e)
	}
}

// flush closes the window of g (fsync, flush, release of a file) and
// waits until it is closed.
func (t *eagerTable) flush(ctx context.Context, g fop.Gfid) {
	if e := t.lookup(g); e != nil {
		e.close(ctx)
		t.unref(e)
	}
}

// releaseAll closes every window (Close).
func (t *eagerTable) releaseAll() {
	for _, e := range t.all() {
		e.close(context.Background())
		t.unref(e)
	}
}

// ownMarks returns the bricks that carry this client's data mark on g,
// the window's number, and whether the marks are stable (no window being
// opened or closed: counters read meanwhile show exactly these marks).
func (t *eagerTable) ownMarks(g fop.Gfid) ([]bool, uint64, bool) {
	e := t.lookup(g)
	if e == nil {
		return nil, 0, true
	}
	defer t.unref(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch e.state {
	case eagerHeld:
		return append([]bool(nil), e.marked...), e.gen, true
	case eagerIdle:
		return nil, e.gen, true
	}
	return nil, e.gen, false
}

// failed returns the bricks that failed an operation of the open window
// of g, or nil.
func (t *eagerTable) failed(g fop.Gfid) []bool {
	e := t.lookup(g)
	if e == nil {
		return nil
	}
	defer t.unref(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != eagerHeld || count(e.failed) == 0 {
		return nil
	}
	return append([]bool(nil), e.failed...)
}
