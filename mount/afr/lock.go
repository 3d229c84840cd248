package afr

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Lock domains of replication's internal locks. Every client and the heal
// engine use the same ones: data and metadata transactions lock the
// inode, entry transactions lock (parent, name).
const (
	DataDomain     = "afr.data"
	MetadataDomain = "afr.metadata"
	EntryDomain    = "afr.entry"
)

// lockWaitLimit bounds the wait for one internal lock: holders release
// them within a transaction (or at once on contention for eager locks),
// so a longer wait means a stuck holder.
const lockWaitLimit = 2 * time.Minute

// lockTarget is one internal lock: an inodelk on gfid in domain, or (with
// entry) an entrylk on (gfid, name).
type lockTarget struct {
	entry  bool
	gfid   fop.Gfid
	name   string
	domain string
}

func inodeLock(g fop.Gfid, domain string) lockTarget {
	return lockTarget{gfid: g, domain: domain}
}

func entryLock(parent fop.Gfid, name string) lockTarget {
	return lockTarget{entry: true, gfid: parent, name: name, domain: EntryDomain}
}

// less orders targets, so that every client takes them in one order.
func (t lockTarget) less(u lockTarget) bool {
	if c := slices.Compare(t.gfid[:], u.gfid[:]); c != 0 {
		return c < 0
	}
	return strings.Compare(t.name, u.name) < 0
}

// take takes (wait: blocking) or releases t on b for owner.
func (t lockTarget) take(ctx context.Context, b fop.Brick, owner uint64, cmd int, typ int) error {
	if t.entry {
		return b.Entrylk(ctx, t.gfid, t.name, t.domain, cmd, typ, owner)
	}
	return b.Inodelk(ctx, t.gfid, t.domain, cmd, fop.Lock{Type: typ, Start: 0, End: fop.LockToEOF, Owner: owner})
}

// sortTargets orders ts and drops duplicates.
func sortTargets(ts []lockTarget) []lockTarget {
	slices.SortFunc(ts, func(a, b lockTarget) int {
		switch {
		case a.less(b):
			return -1
		case b.less(a):
			return 1
		}
		return 0
	})
	return slices.Compact(ts)
}

// lockAll takes every target on the bricks in on, for owner. First
// without waiting, on all bricks in parallel; if any is refused because
// another holds it, everything taken is released and the locks are taken
// again waiting, target by target and brick by brick in set order, so
// that two clients cannot deadlock. It returns the bricks where every
// target is held, and each brick's error.
func (s *Set) lockAll(ctx context.Context, ts []lockTarget, on []bool, owner uint64) ([]bool, []error) {
	errs := s.each(on, func(i int) error { return s.lockBrick(ctx, ts, i, owner, fop.LkSet) })
	locked := make([]bool, len(s.kids))
	busy := false
	for i := range locked {
		locked[i] = on[i] && errs[i] == nil
		busy = busy || errnoOf(errs[i]) == syscall.EAGAIN
	}
	if !busy {
		return locked, errs
	}
	s.unlockAll(ctx, ts, locked, owner)
	// The waits are the set's own business: a signal to the application
	// (FUSE interrupts a request for any signal, even the Go runtime's
	// preemption) must not make it give up a brick. They end when the
	// holder lets go, its session or ours dies, or after lockWaitLimit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockWaitLimit)
	defer cancel()
	for i := range locked {
		locked[i] = on[i] && (errs[i] == nil || errnoOf(errs[i]) == syscall.EAGAIN)
		if locked[i] {
			errs[i] = nil
		}
	}
	for _, t := range ts {
		for i := range s.kids {
			if !locked[i] {
				continue
			}
			if errs[i] = t.take(ctx, s.kids[i], owner, fop.LkSetw, fop.LockWrite); errs[i] != nil {
				locked[i] = false
				s.unlockBrick(ctx, ts, i, owner, false)
			}
		}
	}
	return locked, errs
}

// lockBrick takes the targets on brick i in order, with cmd; on a failure
// it releases what it took.
func (s *Set) lockBrick(ctx context.Context, ts []lockTarget, i int, owner uint64, cmd int) error {
	for k, t := range ts {
		if err := t.take(ctx, s.kids[i], owner, cmd, fop.LockWrite); err != nil {
			s.unlockBrick(ctx, ts[:k], i, owner, false)
			return err
		}
	}
	return nil
}

// unlockAll releases the targets on the bricks in on.
func (s *Set) unlockAll(ctx context.Context, ts []lockTarget, on []bool, owner uint64) {
	s.each(on, func(i int) error {
		s.unlockBrick(ctx, ts, i, owner, false)
		return nil
	})
}

// unlockAllLater is unlockAll at the end of a transaction: entry unlocks
// go with the brick's next call where it can (fop.LaterEntryUnlocker).
func (s *Set) unlockAllLater(ctx context.Context, ts []lockTarget, on []bool, owner uint64) {
	s.each(on, func(i int) error {
		s.unlockBrick(ctx, ts, i, owner, true)
		return nil
	})
}

// unlockBrick releases the targets on brick i; with later, its entry
// unlocks ride on the brick's next call where the brick can
// (fop.LaterEntryUnlocker). A failure is logged: the brick is gone (its
// locks went with the session) or the inode is.
func (s *Set) unlockBrick(ctx context.Context, ts []lockTarget, i int, owner uint64, later bool) {
	ctx = context.WithoutCancel(ctx)
	lu, _ := s.kids[i].(fop.LaterEntryUnlocker)
	for _, t := range ts {
		var err error
		if later && t.entry && lu != nil {
			err = lu.EntryUnlockLater(ctx, t.gfid, t.name, t.domain, owner)
		} else {
			err = t.take(ctx, s.kids[i], owner, fop.LkSet, fop.LockUnlock)
		}
		if err != nil {
			s.log.Debug("unlock failed", "brick", s.kids[i].Name(), "gfid", t.gfid, "name", t.name, "domain", t.domain, "err", err)
		}
	}
}
