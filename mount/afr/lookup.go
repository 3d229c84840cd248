package afr

import (
	"context"
	"errors"
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
	if s.known.absent(parent, name) {
		return fop.Entry{}, s.errorf("lookup", entryName{parent, name}, syscall.ENOENT) // dirnames.go
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
	g := ents[slices.Index(found, true)].Gfid
	if !agree(ents, found, g) || count(missing) > 0 {
		var err error
		if g, err = s.decideEntry(ctx, parent, name, ents, found, missing); err != nil {
			return fop.Entry{}, err
		}
		if g.IsZero() {
			return fop.Entry{}, errs[slices.Index(missing, true)]
		}
		found = withGfid(ents, found, g)
	}
	h := s.lookupHealth(g, ents, found)
	i, err := s.attrSource(g, h, found)
	if err != nil {
		return fop.Entry{}, err
	}
	out := ents[i]
	out.Pending = nil
	return out, nil
}

// agree reports whether every brick in found answered gfid g.
func agree(ents []fop.Entry, found []bool, g fop.Gfid) bool {
	return count(withGfid(ents, found, g)) == count(found)
}

// withGfid returns the bricks of found that answered gfid g.
func withGfid(ents []fop.Entry, found []bool, g fop.Gfid) []bool {
	out := make([]bool, len(found))
	for i, f := range found {
		out[i] = f && ents[i].Gfid == g
	}
	return out
}

// decideEntry decides a lookup on which the bricks disagree (some lack
// the name, or have it with another gfid): the parent's entry sources,
// asked afresh, are right, and the others are queued for healing
// (through the parent). It returns the gfid the name has, zero when it
// does not exist, or EIO when the sources disagree on the gfid, or there
// are none and the gfids differ. Without sources and without a gfid
// conflict, the majority of answers decides (a tie: it exists).
func (s *Set) decideEntry(ctx context.Context, parent fop.Gfid, name string, ents []fop.Entry, found, missing []bool) (fop.Gfid, error) {
	var src []int
	if ph, err := s.refresh(ctx, parent); err == nil {
		src, _ = ph.sources(Entry, -1)
	}
	var gs []fop.Gfid
	absent := 0
	for _, i := range src {
		switch {
		case found[i] && !slices.Contains(gs, ents[i].Gfid):
			gs = append(gs, ents[i].Gfid)
		case missing[i]:
			absent++
		}
	}
	if len(gs) == 0 && absent == 0 { // no source answered: count them all
		for i, f := range found {
			if f && !slices.Contains(gs, ents[i].Gfid) {
				gs = append(gs, ents[i].Gfid)
			}
		}
		absent = count(missing)
		if len(gs) == 1 && count(found) < absent {
			gs = nil
		}
	}
	switch {
	case len(gs) > 1:
		s.log.Warn("gfid mismatch", "parent", parent, "name", printable(name), "gfids", gs)
		s.queue(parent)
		return fop.Gfid{}, errGfidSplit
	case len(gs) == 1:
		return gs[0], nil
	}
	return fop.Gfid{}, nil
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

// attrSource picks the brick whose attributes a lookup of g returns:
// the one reads prefer among the good ones for stat. A file whose size
// no data brick can vouch for (only the arbiter and accused bricks have
// it) has no attributes to give; anything else may come from any brick
// that found it.
func (s *Set) attrSource(g fop.Gfid, h *health, found []bool) (int, error) {
	cands, err := h.readable(readAttr, s.arbiter)
	if err == nil {
		for _, i := range s.spread(g, cands) {
			if found[i] {
				return i, nil
			}
		}
	}
	if !h.fileLike() {
		return s.pickOK(g, found), nil
	}
	if _, derr := h.sources(Data, s.arbiter); errors.Is(derr, errNoSource) {
		return -1, derr // only the arbiter or accused bricks: the size is unknown
	}
	data := slices.Clone(found)
	if s.arbiter >= 0 {
		data[s.arbiter] = false
	}
	if i := s.pickOK(g, data); i >= 0 {
		return i, nil // metadata or data split-brain: visible, with one side's attributes
	}
	return -1, errNoSource
}

// queue asks the healer to heal g, if there is one.
func (s *Set) queue(g fop.Gfid) {
	if s.opts.Healer != nil {
		s.opts.Healer.Queue(g)
	}
}
