package afr

import (
	"context"
	"errors"

	"github.com/mortarfs/mortar/mount/fop"
)

// A fused lock: an entry transaction whose operation takes its own entry
// locks, in the same round trip (a create asks each brick to lock the
// name first: fop.EntryLock, fop.ErrEntryLockBusy). With every brick connected, a transaction
// that would lock all of them is optimistic (no pre-op), so lock and
// operation are the only round trips before the answer, and fusing them
// leaves one.
//
// Each brick takes the lock without waiting. If any brick finds it held
// by another (a heal of the directory, another client's create of the
// same name), what the operation made on the other bricks is taken back
// while their locks are still held, the locks are released, and the
// transaction starts again the usual way: locks taken waiting, in order,
// before the operation. Until every lock is held the transaction holds
// no brick another could be waiting for in order, so two of them cannot
// deadlock; and whoever sees a busy lock gives way, so two cannot both
// win a brick each.

// fusedLock is a transaction's way to fuse its locks into its operation.
type fusedLock struct {
	// active is set while the operation is to take its locks itself.
	active bool
	// undo takes back what the operation made on brick i, where it
	// succeeded, with the lock still held.
	undo func(ctx context.Context, i int)
	// reset readies the operation for the transaction's second start.
	reset func(ctx context.Context)
}

// fusedRun runs t's operation with fused locks when every brick is
// connected and its id known. It returns nil when it did not, or when a
// lock was busy and everything was taken back: the caller then runs the
// transaction the usual way.
func (s *Set) fusedRun(ctx context.Context, t *txn) (*txnRun, []error) {
	ids, err := s.ids.get(ctx)
	up := s.connected()
	if err != nil || len(ids) != len(s.kids) || count(up) != len(s.kids) || t.skip != nil {
		return nil, nil
	}
	f := t.fused
	t.marks = compactGfids(t.marks)
	r := &txnRun{t: t, ids: ids, ts: sortTargets(t.locks), owner: s.newOwner(), optimistic: true}
	t.owner, t.optimistic = r.owner, true
	f.active = true
	errs := s.each(up, func(i int) error { return t.op(ctx, i) })
	f.active = false
	r.locked, r.marked = make([]bool, len(s.kids)), make([]bool, len(s.kids))
	busy := false
	for i, err := range errs {
		// A brick that could not be reached may hold the lock all the
		// same (the answer was lost): it is unlocked, not counted.
		b := errors.Is(err, fop.ErrEntryLockBusy)
		r.locked[i] = !b
		r.marked[i] = !b && !unreachable(err)
		busy = busy || b
	}
	if !busy {
		return r, errs
	}
	s.each(up, func(i int) error {
		if errs[i] == nil {
			f.undo(ctx, i)
		}
		return nil
	})
	s.unlockAll(ctx, r.ts, r.locked, r.owner)
	f.reset(ctx)
	t.optimistic = false
	return nil, nil
}
