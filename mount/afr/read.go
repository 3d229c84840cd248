package afr

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// readKind says what a read needs from the brick it reads.
type readKind int

const (
	readData  readKind = iota // file contents: a data source, never the arbiter
	readMeta                  // xattrs: a metadata source
	readAttr                  // stat: a metadata source with good data (size)
	readEntry                 // a directory's names: an entry source
)

// sources returns the bricks a verdict lets us read from: its sources;
// every present brick (but an excluded one) when all are fools; an error
// on split-brain, or when no brick that could be a source answered.
func (h *health) sources(k Kind, arbiter int) ([]int, error) {
	v := h.v[k]
	switch {
	case v.SplitBrain && v.ExcludedOnly:
		return nil, errNoSource // no good copy reachable, e.g. only the arbiter
	case v.SplitBrain:
		return nil, errSplitBrain
	case len(v.Sources) > 0:
		return v.Sources, nil
	case v.AllFools:
		var out []int
		for i, p := range h.present {
			if p && !(k == Data && i == arbiter) {
				out = append(out, i)
			}
		}
		return out, nil
	}
	return nil, errNoSource
}

// readable returns the bricks a read of kind rk may use, best first.
func (h *health) readable(rk readKind, arbiter int) ([]int, error) {
	switch rk {
	case readData:
		return h.sources(Data, arbiter)
	case readMeta:
		return h.sources(Metadata, arbiter)
	case readEntry:
		e, err := h.sources(Entry, arbiter)
		if err != nil {
			return nil, err
		}
		return notArbiter(e, arbiter), nil
	}
	m, err := h.sources(Metadata, arbiter)
	if err != nil {
		return nil, err
	}
	d, derr := h.sources(Data, arbiter) // data split-brain: stat still answers
	var both []int
	for _, i := range m {
		if slices.Contains(d, i) {
			both = append(both, i)
		}
	}
	if len(both) > 0 {
		return both, nil
	}
	if !h.fileLike() {
		return notArbiter(m, arbiter), nil
	}
	// A file's size: never from the arbiter, never when no good data is
	// reachable; with data split-brain, from either side.
	if errors.Is(derr, errNoSource) {
		return nil, derr
	}
	if out := slices.DeleteFunc(slices.Clone(m), func(i int) bool { return i == arbiter }); len(out) > 0 {
		return out, nil
	}
	return nil, errNoSource
}

// fileLike reports whether the inode is (or may be) a regular file,
// whose attributes carry a size the arbiter does not know.
func (h *health) fileLike() bool { return h.typ == 0 || h.typ == syscall.S_IFREG }

// notArbiter returns b without the arbiter, unless only the arbiter is there.
func notArbiter(b []int, arbiter int) []int {
	out := slices.DeleteFunc(slices.Clone(b), func(i int) bool { return i == arbiter })
	if len(out) == 0 {
		return b
	}
	return out
}

// healthOf returns the health of g: cached, or asked of the bricks.
func (s *Set) healthOf(ctx context.Context, g fop.Gfid) (*health, error) {
	if h, ok := s.health.get(g); ok {
		return h, nil
	}
	return s.refresh(ctx, g)
}

// refresh asks every connected brick for the counters of g (an Xattrop
// that adds nothing) and judges them. This client's own data mark (an
// open eager window) is taken out; when a window opens or closes during
// the question the answer is used once and not kept.
func (s *Set) refresh(ctx context.Context, g fop.Gfid) (*health, error) {
	before, gen, stable := s.eager.ownMarks(g)
	busy := s.busy.has(g)
	up := s.connected()
	pending := make([][]fop.Pending, len(s.kids))
	errs := s.each(up, func(i int) error {
		p, err := s.kids[i].Xattrop(ctx, g, nil)
		pending[i] = p
		return err
	})
	present := make([]bool, len(s.kids))
	for i := range present {
		present[i] = up[i] && errs[i] == nil
	}
	if count(present) == 0 {
		if err := pickErr(errs, up); err != nil {
			return nil, err
		}
		return nil, errReadQuorum
	}
	after, gen2, stable2 := s.eager.ownMarks(g)
	ids, _ := s.ids.known()
	h := s.analyze(ids, pending, present, before)
	if old, ok := s.health.get(g); ok {
		h.typ = old.typ
	}
	if !stable || !stable2 || gen != gen2 || !slices.Equal(before, after) || busy || s.busy.has(g) {
		return h, nil
	}
	s.remember(g, h)
	return h, nil
}

// remember caches h for g and queues a heal when h calls for one.
func (s *Set) remember(g fop.Gfid, h *health) {
	if failed := s.eager.failed(g); failed != nil {
		h = h.accuse(Data, failed)
	}
	s.health.put(g, h)
	if s.opts.Healer != nil && h.needsHeal() {
		s.opts.Healer.Queue(g)
	}
}

// spread orders the bricks cands for inode g: the set's bricks rotated
// by g's hash, so that inodes spread over the bricks and every read of
// one inode prefers the same brick.
func (s *Set) spread(g fop.Gfid, cands []int) []int {
	n := len(s.kids)
	start := int(binary.BigEndian.Uint32(g[12:]) % uint32(n))
	out := slices.Clone(cands)
	slices.SortFunc(out, func(a, b int) int { return (a-start+n)%n - (b-start+n)%n })
	return out
}

// canRead checks the read quorum: without stale reads, a read needs a
// quorum of connected bricks (a lone brick cannot know what it missed).
func (s *Set) canRead(up []bool) error {
	if s.opts.StaleReads || s.quorum.met(up) {
		return nil
	}
	return errReadQuorum
}

// read runs fn on one brick that may serve a read of kind rk of g,
// spreading inodes over the candidates by gfid and trying the next
// candidate when a brick fails.
func (s *Set) read(ctx context.Context, g fop.Gfid, rk readKind, fn func(i int) error) error {
	up := s.connected()
	if err := s.canRead(up); err != nil {
		return err
	}
	h, err := s.healthOf(ctx, g)
	if err != nil {
		return err
	}
	cands, err := h.readable(rk, s.arbiter)
	if err != nil {
		return err
	}
	var last error = errNoSource
	for _, i := range s.spread(g, cands) {
		if !up[i] {
			continue
		}
		if last = fn(i); last == nil || !failover(last) {
			return last
		}
		s.log.Debug("read failed over", "brick", s.kids[i].Name(), "gfid", g, "err", last)
	}
	return last
}
