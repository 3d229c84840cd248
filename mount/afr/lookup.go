package afr

import (
	"context"
	"slices"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Lookup asks every connected brick for (parent, name) in parallel. The
// bricks must agree on the gfid (a mismatch is EIO and queues a heal of
// the parent). When some have the name and others not, the parent's
// entry changelog says who is right. The counters every brick returns
// give the inode's health, kept for the reads that follow; an inode that
// needs healing is queued. Attributes come from a brick with good
// metadata and data. Data or metadata split-brain does not fail a
// lookup (as GlusterFS: the file stays visible so that it can be
// resolved); reads of that kind fail instead.
func (s *Set) Lookup(ctx context.Context, parent fop.Gfid, name string) (fop.Entry, error) {
	up := s.connected()
	if err := s.canRead(up); err != nil {
		return fop.Entry{}, s.errorf("lookup", entryName{parent, name}, err)
	}
	ents := make([]fop.Entry, len(s.kids))
	errs := s.each(up, func(i int) error {
		e, err := s.kids[i].Lookup(ctx, parent, name)
		ents[i] = e
		return err
	})
	found := okOf(errs, up)
	missing := make([]bool, len(s.kids))
	for i, err := range errs {
		missing[i] = up[i] && errnoOf(err) == syscall.ENOENT
	}
	e, err := s.lookupResult(ctx, parent, name, ents, errs, found, missing)
	if err != nil {
		return fop.Entry{}, s.errorf("lookup", entryName{parent, name}, err)
	}
	return e, nil
}

// lookupResult decides what a lookup found.
func (s *Set) lookupResult(ctx context.Context, parent fop.Gfid, name string, ents []fop.Entry, errs []error, found, missing []bool) (fop.Entry, error) {
	if count(found) == 0 {
		if i := slices.Index(missing, true); i >= 0 {
			return fop.Entry{}, errs[i]
		}
		return fop.Entry{}, pickErr(errs, s.connected())
	}
	first := slices.Index(found, true)
	g := ents[first].Gfid
	for i, f := range found {
		if f && ents[i].Gfid != g {
			s.log.Warn("gfid mismatch", "parent", parent, "name", printable(name),
				"brick", s.kids[first].Name(), "gfid", g, "other", s.kids[i].Name(), "other_gfid", ents[i].Gfid)
			s.queue(parent)
			return fop.Entry{}, errGfidSplit
		}
	}
	if count(missing) > 0 && !s.entryExists(ctx, parent, found, missing) {
		return fop.Entry{}, errs[slices.Index(missing, true)]
	}
	h := s.lookupHealth(g, ents, found)
	out := ents[s.attrSource(g, h, found)]
	out.Pending = nil
	return out, nil
}

// entryExists decides a lookup on which the bricks disagree: the
// parent's entry sources (asked afresh) are right; without any, the
// majority of answers is (a tie: it exists).
func (s *Set) entryExists(ctx context.Context, parent fop.Gfid, found, missing []bool) bool {
	if ph, err := s.refresh(ctx, parent); err == nil {
		if src, err := ph.sources(Entry, -1); err == nil {
			f, m := 0, 0
			for _, i := range src {
				if found[i] {
					f++
				} else if missing[i] {
					m++
				}
			}
			if f+m > 0 {
				return f > 0
			}
		}
	}
	return count(found) >= count(missing)
}

// lookupHealth judges the counters the lookup returned with the inode,
// and keeps the verdict unless an eager window of this client opened or
// closed meanwhile.
func (s *Set) lookupHealth(g fop.Gfid, ents []fop.Entry, found []bool) *health {
	marks, gen, stable := s.eager.ownMarks(g)
	pending := make([][]fop.Pending, len(s.kids))
	for i, f := range found {
		if f {
			pending[i] = ents[i].Pending
		}
	}
	ids, _ := s.ids.known()
	h := s.analyze(ids, pending, found, marks)
	h.typ = ents[slices.Index(found, true)].Mode & syscall.S_IFMT
	marks2, gen2, stable2 := s.eager.ownMarks(g)
	if stable && stable2 && gen == gen2 && slices.Equal(marks, marks2) && !s.busy.has(g) {
		s.remember(g, h)
	}
	return h
}

// attrSource picks the brick whose attributes a lookup of g returns: the
// one reads prefer among the good ones for stat, else any data brick that
// found it.
func (s *Set) attrSource(g fop.Gfid, h *health, found []bool) int {
	if cands, err := h.readable(readAttr, s.arbiter); err == nil {
		for _, i := range s.spread(g, cands) {
			if found[i] {
				return i
			}
		}
	}
	return s.pickOK(g, found)
}

// queue asks the healer to heal g, if there is one.
func (s *Set) queue(g fop.Gfid) {
	if s.opts.Healer != nil {
		s.opts.Healer.Queue(g)
	}
}
