package afr

import (
	"context"
	"slices"

	"github.com/mortarfs/mortar/mount/fop"
)

// dataTake is a data lock taken and marked: the start of an eager window.
type dataTake struct {
	owner  uint64
	ids    []string
	locked []bool
	marked []bool
}

// takeData takes the data lock of g on the connected bricks and marks
// the data counters of every brick on every locked one. The counters the
// pre-op returns say whether the inode may be written: not in data
// split-brain, and — with an arbiter — not when the only data bricks
// taking part are ones the others accuse (the write would make the
// arbiter the only witness of two different copies).
func (s *Set) takeData(ctx context.Context, g fop.Gfid) (dataTake, error) {
	ids, err := s.ids.get(ctx)
	if err != nil {
		return dataTake{}, err
	}
	up := s.connected()
	if !s.quorum.met(up) {
		return dataTake{}, errNoQuorum
	}
	owner := s.newOwner()
	ts := []lockTarget{inodeLock(g, DataDomain)}
	locked, lerrs := s.lockAll(ctx, ts, up, owner)
	if !s.quorum.met(locked) {
		s.unlockAll(ctx, ts, locked, owner)
		return dataTake{}, lockErr(lerrs, up)
	}
	marked, pending, perrs := s.preOpData(ctx, g, ids, locked)
	undo := func(err error) (dataTake, error) {
		ctx := context.WithoutCancel(ctx)
		s.postOpUnlock(ctx, ts[0], decrements(Data, ids, nil), marked, locked, owner)
		return dataTake{}, err
	}
	if !s.quorum.met(marked) {
		return undo(lockErr(perrs, locked))
	}
	h := s.analyze(ids, pending, marked, marked)
	if err := s.writable(h, marked); err != nil {
		s.remember(g, h)
		return undo(s.errorf("write", g, err))
	}
	s.remember(g, h)
	return dataTake{owner: owner, ids: ids, locked: locked, marked: marked}, nil
}

// preOpData marks the data counters of g on the bricks in on and returns
// the counters each brick holds afterwards.
func (s *Set) preOpData(ctx context.Context, g fop.Gfid, ids []string, on []bool) ([]bool, [][]fop.Pending, []error) {
	deltas := make([]fop.PendingDelta, len(ids))
	for j, id := range ids {
		deltas[j] = Data.Delta(id, 1)
	}
	pending := make([][]fop.Pending, len(s.kids))
	errs := s.each(on, func(i int) error {
		p, err := s.kids[i].Xattrop(ctx, g, deltas)
		pending[i] = p
		return err
	})
	marked := make([]bool, len(s.kids))
	for i := range marked {
		marked[i] = on[i] && errs[i] == nil
	}
	return marked, pending, errs
}

// writable says whether data of an inode in health h may be written on
// the bricks in on.
func (s *Set) writable(h *health, on []bool) error {
	v := h.v[Data]
	if v.SplitBrain && v.ExcludedOnly {
		return errNoSource
	}
	if v.SplitBrain {
		return errSplitBrain
	}
	if s.arbiter < 0 {
		return nil
	}
	if count(on) == 1 && on[s.arbiter] {
		return errNoSource // the arbiter alone holds no data
	}
	if v.AllFools {
		return nil
	}
	for _, i := range v.Sources {
		if on[i] && !s.isArbiter(i) {
			return nil
		}
	}
	if len(v.Sources) == 0 && len(v.Sinks) == 0 {
		return nil // no counters at all: a new file
	}
	return errNoSource
}

// dataOp runs op on the bricks of g's eager window (not on the arbiter,
// which counts as succeeded) and records the outcome. check, if not nil,
// may turn successes of the data bricks that disagree into failures
// (short writes). It
// returns which bricks succeeded.
func (s *Set) dataOp(ctx context.Context, g fop.Gfid, op func(i int) error, check func(errs []error, on []bool)) ([]bool, error) {
	w, err := s.eager.begin(ctx, g)
	if err != nil {
		return nil, err
	}
	errs := s.each(w.on, func(i int) error {
		if s.isArbiter(i) {
			return nil
		}
		return op(i)
	})
	data := slices.Clone(w.on) // the bricks that hold data
	if s.arbiter >= 0 {
		data[s.arbiter] = false
	}
	if check != nil {
		check(errs, data)
	}
	sym := symmetric(errs, data)
	if s.arbiter >= 0 && w.on[s.arbiter] && !sym && s.firstOK(okOf(errs, data)) < 0 {
		// Failed on every data brick: the arbiter's "success" must not
		// make it the only good copy.
		errs[s.arbiter] = pickErr(errs, data)
	}
	ok := okOf(errs, w.on)
	failed := make([]bool, len(s.kids))
	for i := range failed {
		failed[i] = w.on[i] && errs[i] != nil && !sym
	}
	w.end(failed)
	switch {
	case sym:
		return ok, pickErr(errs, data)
	case !s.quorum.met(ok):
		if err := pickErr(errs, w.on); err != nil {
			return ok, err
		}
		return ok, errNoQuorum
	}
	return ok, nil
}

// okOf returns the bricks in on whose error is nil.
func okOf(errs []error, on []bool) []bool {
	ok := make([]bool, len(on))
	for i := range ok {
		ok[i] = on[i] && errs[i] == nil
	}
	return ok
}

// firstOK returns the first brick in ok that is not the arbiter, or the
// first in ok, or -1.
func (s *Set) firstOK(ok []bool) int {
	return s.pickOK(fop.Gfid{}, ok)
}

// pickOK returns the brick of ok whose attributes of g are reported: the
// first in g's spread order (as reads choose, so that the times the
// bricks set independently do not jump from one answer to the next),
// not the arbiter unless it is the only one; -1 when ok is empty.
func (s *Set) pickOK(g fop.Gfid, ok []bool) int {
	var all []int
	for i, b := range ok {
		if b {
			all = append(all, i)
		}
	}
	if len(all) == 0 {
		return -1
	}
	return s.spread(g, notArbiter(all, s.arbiter))[0]
}
