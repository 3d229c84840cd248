package afr

import (
	"context"
	"slices"

	"github.com/mortarfs/mortar/mount/fop"
)

// txn is one changelog transaction of entry or metadata kind (data
// transactions go through the eager lock, eager.go).
type txn struct {
	name  string // the operation, for logs
	kind  Kind
	locks []lockTarget
	marks []fop.Gfid // inodes whose counters of kind are marked
	// op runs the operation on brick i; skip(i) says the brick takes no
	// part in the operation itself but counts as succeeded (the arbiter
	// for data).
	op   func(ctx context.Context, i int) error
	skip func(i int) bool
	// create: the operation is a create, which keeps the parent's
	// attributes itself (dirattr.go); any other changes what is kept of
	// the inodes it marks.
	create bool
	// judge, when set, sees every brick's outcome of op before the
	// transaction does, and may turn a success into a failure (a brick
	// that did something else than the others: rename.go).
	judge func(errs []error) []error
	// fused, when set, lets the operation take the transaction's locks
	// itself (fusedlock.go).
	fused *fusedLock
	// released(i), when set, says that the operation released the
	// transaction's locks on brick i itself (a create asked to).
	released func(i int) bool

	// Set by beginTxn for op: the lock owner, and whether the
	// transaction is optimistic (its locks may go with the operation).
	owner      uint64
	optimistic bool
}

// transact runs t: lock, pre-op (+1 for every brick on every locked
// brick), the operation on every marked brick in parallel, then — after
// answering — post-op (−1 for the bricks where it succeeded, on every
// brick that took part) and unlock. It returns which bricks succeeded.
// Without a quorum of connected, locked and marked bricks nothing is
// changed (EROFS); with fewer than a quorum of successes the operation
// fails with the bricks' error, and the changelog accuses the others.
//
// An entry transaction with every brick of the set locked is optimistic
// (GlusterFS's optimistic-change-log): no pre-op; a post-op only if the
// operation failed on some brick, accusing it. A failed mkdir, rename or
// rmdir then leaves the parent untouched (its ctime too), and a create
// costs one round trip less before it answers and two RPCs fewer per
// brick. The price: a client that dies between the operation and that
// post-op leaves a divergence no counter records (an index or full crawl
// of the heal engine merges it).
func (s *Set) transact(ctx context.Context, t *txn) ([]bool, error) {
	if !t.create {
		for _, g := range t.marks {
			s.parents.changed(g)
		}
		defer func() {
			for _, g := range t.marks {
				s.parents.changed(g)
			}
		}()
	}
	ok, err := s.runTxn(ctx, t)
	if err != nil && t.kind == Entry {
		for _, g := range t.marks {
			s.known.forget(g) // the outcome on some brick may be unknown
		}
	}
	return ok, err
}

// runTxn is transact's lock, op, and completion.
func (s *Set) runTxn(ctx context.Context, t *txn) ([]bool, error) {
	var (
		r    *txnRun
		errs []error
	)
	if t.fused != nil {
		r, errs = s.fusedRun(ctx, t)
	}
	if r == nil {
		var err error
		if r, err = s.beginTxn(ctx, t); err != nil {
			return nil, err
		}
		errs = s.each(r.marked, func(i int) error {
			if t.skip != nil && t.skip(i) {
				return nil
			}
			return t.op(ctx, i)
		})
	}
	if t.judge != nil {
		errs = t.judge(errs)
	}
	if t.released != nil {
		r.locked = slices.Clone(r.locked) // marked may be the same slice
		for i := range r.locked {
			r.locked[i] = r.locked[i] && !t.released(i)
		}
	}
	return s.completeTxn(ctx, r, errs)
}

// txnRun is a transaction under way.
type txnRun struct {
	t          *txn
	ids        []string
	ts         []lockTarget
	owner      uint64
	locked     []bool
	marked     []bool // the bricks that take part
	optimistic bool   // no pre-op was made
}

// beginTxn locks and, unless optimistic, marks.
func (s *Set) beginTxn(ctx context.Context, t *txn) (*txnRun, error) {
	ids, err := s.ids.get(ctx)
	if err != nil {
		return nil, err
	}
	up := s.connected()
	if !s.quorum.met(up) {
		return nil, errNoQuorum
	}
	r := &txnRun{t: t, ids: ids, ts: sortTargets(t.locks), owner: s.newOwner()}
	t.owner = r.owner
	var lerrs []error
	r.locked, lerrs = s.lockAll(ctx, r.ts, up, r.owner)
	if !s.quorum.met(r.locked) {
		s.unlockAll(ctx, r.ts, r.locked, r.owner)
		return nil, lockErr(lerrs, up)
	}
	t.marks = compactGfids(t.marks)
	if t.kind == Entry && count(r.locked) == len(s.kids) && len(ids) == len(s.kids) {
		r.optimistic, r.marked = true, r.locked
		t.optimistic = true
		return r, nil
	}
	s.busy.add(t.marks) // until finish's post-op is done
	var perrs []error
	r.marked, perrs = s.preOp(ctx, t.kind, t.marks, ids, r.locked)
	if !s.quorum.met(r.marked) {
		s.finish(ctx, r, r.undo())
		return nil, lockErr(perrs, r.locked)
	}
	return r, nil
}

// completeTxn judges the operation's outcome, and starts the post-op.
func (s *Set) completeTxn(ctx context.Context, r *txnRun, errs []error) ([]bool, error) {
	ok := okOf(errs, r.marked)
	if symmetric(errs, r.marked) {
		// Failed alike everywhere: nothing diverged, nobody is accused.
		s.finish(ctx, r, r.undo())
		return ok, pickErr(errs, r.marked)
	}
	s.noteFailures(r.t.kind, r.t.marks, ok)
	s.finish(ctx, r, r.settle(ok))
	if !s.quorum.met(ok) {
		if err := pickErr(errs, r.marked); err != nil {
			return ok, err
		}
		return ok, errNoQuorum
	}
	return ok, nil
}

// undo returns the post-op of a transaction that changed nothing: take
// back every mark (of every id, the ones of unknown bricks too).
func (r *txnRun) undo() []fop.PendingDelta {
	if r.optimistic {
		return nil
	}
	return decrements(r.t.kind, r.ids, nil)
}

// settle returns the post-op of a transaction that succeeded on the
// bricks in ok: take back their marks (the others stay accused); for an
// optimistic one, accuse the bricks where it failed.
func (r *txnRun) settle(ok []bool) []fop.PendingDelta {
	if !r.optimistic {
		return decrements(r.t.kind, r.ids, ok)
	}
	var deltas []fop.PendingDelta
	for i, good := range ok {
		if !good {
			deltas = append(deltas, r.t.kind.Delta(r.ids[i], 1))
		}
	}
	return deltas
}

// decrements returns −1 of kind k for the ids of the bricks in ok (for
// every id when ok is nil).
func decrements(k Kind, ids []string, ok []bool) []fop.PendingDelta {
	var deltas []fop.PendingDelta
	for j, id := range ids {
		if ok == nil || (j < len(ok) && ok[j]) {
			deltas = append(deltas, k.Delta(id, -1))
		}
	}
	return deltas
}

// lockErr is the error of a transaction that could not lock or mark a
// quorum: the bricks' common answer (the inode is gone: ESTALE), or EROFS.
func lockErr(errs []error, on []bool) error {
	if symmetric(errs, on) {
		return pickErr(errs, on)
	}
	return errNoQuorum
}

// preOp adds 1 to the counter of kind for every brick, on every marked
// inode, on the bricks in on. It returns the bricks where every mark was
// made, and the errors.
func (s *Set) preOp(ctx context.Context, k Kind, marks []fop.Gfid, ids []string, on []bool) ([]bool, []error) {
	deltas := make([]fop.PendingDelta, len(ids))
	for j, id := range ids {
		deltas[j] = k.Delta(id, 1)
	}
	errs := s.changelog(ctx, marks, deltas, on)
	return okOf(errs, on), errs
}

// finish does the post-op and the unlock, in the background: deltas on
// every marked inode of every brick that took part, then unlock — in one
// RPC per brick when the transaction locks and marks one inode; entry
// unlocks ride on the brick's next call (unlockAllLater).
func (s *Set) finish(ctx context.Context, r *txnRun, deltas []fop.PendingDelta) {
	ctx = context.WithoutCancel(ctx)
	s.bg.run(func() {
		t, one := r.onInodeLock()
		if one {
			s.postOpUnlock(ctx, t, deltas, r.marked, r.locked, r.owner)
		} else {
			s.postOp(ctx, r.t.marks, deltas, r.marked)
		}
		if !r.optimistic {
			s.busy.done(r.t.marks)
		}
		if !one {
			s.unlockAllLater(ctx, r.ts, r.locked, r.owner)
		}
	})
}

// onInodeLock returns the one inode lock of a transaction that marks only
// that inode (a metadata transaction): its post-op can ride on the unlock.
func (r *txnRun) onInodeLock() (lockTarget, bool) {
	if len(r.ts) != 1 || r.ts[0].entry || len(r.t.marks) != 1 || r.t.marks[0] != r.ts[0].gfid {
		return lockTarget{}, false
	}
	return r.ts[0], true
}

// postOpUnlock ends a transaction on the inode lock t: deltas on the
// bricks in marked, the unlock on the bricks in locked — one RPC where a
// brick has both (the unlock carries the post-op). A brick whose post-op
// fails stays marked.
func (s *Set) postOpUnlock(ctx context.Context, t lockTarget, deltas []fop.PendingDelta, marked, locked []bool, owner uint64) {
	ctx = context.WithoutCancel(ctx)
	on := make([]bool, len(s.kids))
	for i := range on {
		on[i] = at(marked, i) || at(locked, i)
	}
	s.each(on, func(i int) error {
		s.postOpUnlockBrick(ctx, i, t, deltas, marked, locked, owner)
		return nil
	})
}

// postOpUnlockBrick is postOpUnlock on brick i.
func (s *Set) postOpUnlockBrick(ctx context.Context, i int, t lockTarget, deltas []fop.PendingDelta, marked, locked []bool, owner uint64) {
	ctx = context.WithoutCancel(ctx)
	post := len(deltas) > 0 && at(marked, i)
	var err error
	switch {
	case at(locked, i):
		lk := fop.Lock{Type: fop.LockUnlock, End: fop.LockToEOF, Owner: owner}
		if post {
			lk.PostOp = deltas
		}
		err = s.kids[i].Inodelk(ctx, t.gfid, t.domain, fop.LkSet, lk)
	case post:
		_, err = s.kids[i].Xattrop(ctx, t.gfid, deltas)
	}
	switch {
	case err != nil && post:
		s.log.Info("post-op failed; the brick stays marked", "brick", s.kids[i].Name(), "gfid", t.gfid, "err", err)
	case err != nil:
		s.log.Debug("unlock failed", "brick", s.kids[i].Name(), "gfid", t.gfid, "domain", t.domain, "err", err)
	}
}

// at reports bs[i], false past the end (a nil slice: nobody).
func at(bs []bool, i int) bool { return i < len(bs) && bs[i] }

// postOp applies deltas to every marked inode on the bricks in on; a
// brick that fails it stays marked (it took part in a transaction that
// did not finish on it).
func (s *Set) postOp(ctx context.Context, marks []fop.Gfid, deltas []fop.PendingDelta, on []bool) {
	if len(deltas) == 0 {
		return
	}
	for i, err := range s.changelog(ctx, marks, deltas, on) {
		if err != nil {
			s.log.Info("post-op failed; the brick stays marked", "brick", s.kids[i].Name(), "err", err)
		}
	}
}

// changelog applies deltas to every marked inode, on the bricks in on.
func (s *Set) changelog(ctx context.Context, marks []fop.Gfid, deltas []fop.PendingDelta, on []bool) []error {
	return s.each(on, func(i int) error {
		for _, g := range marks {
			if _, err := s.kids[i].Xattrop(ctx, g, deltas); err != nil {
				return err
			}
		}
		return nil
	})
}

// noteFailures records in the health cache that the bricks not in ok
// missed a change of kind on the marked inodes.
func (s *Set) noteFailures(k Kind, marks []fop.Gfid, ok []bool) {
	failed := make([]bool, len(ok))
	anyFailed := false
	for i := range ok {
		failed[i] = !ok[i]
		anyFailed = anyFailed || failed[i]
	}
	if !anyFailed {
		return
	}
	for _, g := range marks {
		s.health.update(g, func(h *health) *health { return h.accuse(k, failed) })
	}
}

// compactGfids drops repeated gfids (a rename within one directory).
func compactGfids(gs []fop.Gfid) []fop.Gfid {
	out := gs[:0:0]
	for _, g := range gs {
		dup := false
		for _, o := range out {
			dup = dup || o == g
		}
		if !dup {
			out = append(out, g)
		}
	}
	return out
}
