package afr

import (
	"context"

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
}

// transact runs t: lock, pre-op (+1 for every brick on every locked
// brick), the operation on every marked brick in parallel, then — after
// answering — post-op (−1 for the bricks where it succeeded, on every
// brick that took part) and unlock. It returns which bricks succeeded.
// Without a quorum of connected, locked and marked bricks nothing is
// changed (EROFS); with fewer than a quorum of successes the operation
// fails with the bricks' error, and the changelog accuses the others.
func (s *Set) transact(ctx context.Context, t *txn) ([]bool, error) {
	ids, err := s.ids.get(ctx)
	if err != nil {
		return nil, err
	}
	up := s.connected()
	if !s.quorum.met(up) {
		return nil, errNoQuorum
	}
	owner := s.newOwner()
	ts := sortTargets(t.locks)
	locked, lerrs := s.lockAll(ctx, ts, up, owner)
	if !s.quorum.met(locked) {
		s.unlockAll(ctx, ts, locked, owner)
		return nil, lockErr(lerrs, up)
	}
	t.marks = compactGfids(t.marks)
	marks := t.marks
	marked, perrs := s.preOp(ctx, t.kind, marks, ids, locked)
	if !s.quorum.met(marked) {
		s.finish(ctx, t, ids, ts, locked, marked, nil, owner) // undoes the marks
		return nil, lockErr(perrs, locked)
	}
	errs := s.each(marked, func(i int) error {
		if t.skip != nil && t.skip(i) {
			return nil
		}
		return t.op(ctx, i)
	})
	ok := make([]bool, len(s.kids))
	for i := range ok {
		ok[i] = marked[i] && errs[i] == nil
	}
	if symmetric(errs, marked) {
		// Failed alike everywhere: nothing diverged, nobody is accused.
		s.finish(ctx, t, ids, ts, locked, marked, nil, owner)
		return ok, pickErr(errs, marked)
	}
	s.noteFailures(t.kind, marks, ok)
	s.finish(ctx, t, ids, ts, locked, marked, ok, owner)
	if !s.quorum.met(ok) {
		if err := pickErr(errs, marked); err != nil {
			return ok, err
		}
		return ok, errNoQuorum
	}
	return ok, nil
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
	errs := s.each(on, func(i int) error {
		for _, g := range marks {
			if _, err := s.kids[i].Xattrop(ctx, g, deltas); err != nil {
				return err
			}
		}
		return nil
	})
	done := make([]bool, len(s.kids))
	for i := range done {
		done[i] = on[i] && errs[i] == nil
	}
	return done, errs
}

// finish does the post-op and the unlock, in the background: on every
// brick in marked (they took part), subtract 1 from the counters of the
// bricks in ok — of every brick when ok is nil (nothing happened, undo
// the marks) — then unlock the bricks in locked.
func (s *Set) finish(ctx context.Context, t *txn, ids []string, ts []lockTarget, locked, marked, ok []bool, owner uint64) {
	ctx = context.WithoutCancel(ctx)
	s.bg.run(func() {
		s.postOp(ctx, t.kind, t.marks, ids, marked, ok)
		s.unlockAll(ctx, ts, locked, owner)
	})
}

// postOp subtracts 1 from the counter of kind of every brick in ok (of
// every id when ok is nil), on every marked inode, on the bricks in on.
func (s *Set) postOp(ctx context.Context, k Kind, marks []fop.Gfid, ids []string, on, ok []bool) {
	var deltas []fop.PendingDelta
	for j, id := range ids {
		if ok == nil || (j < len(ok) && ok[j]) {
			deltas = append(deltas, k.Delta(id, -1))
		}
	}
	if len(deltas) == 0 {
		return
	}
	errs := s.each(on, func(i int) error {
		for _, g := range marks {
			if _, err := s.kids[i].Xattrop(ctx, g, deltas); err != nil {
				return err
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			s.log.Info("post-op failed; the brick stays marked", "brick", s.kids[i].Name(), "kind", k, "err", err)
		}
	}
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
