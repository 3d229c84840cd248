package heal

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
)

// plan is what a heal of one kind of one inode does, decided by the
// changelog (afr.Analyze) and, where it cannot decide, by the content or a
// policy.
type plan struct {
	kind    afr.Kind
	m       afr.Matrix
	verdict afr.Verdict
	source  int   // the brick healed from; -1 for none
	sinks   []int // the bricks healed
	// merge (entries only): every known brick gives the entries it has to
	// the others, and none is removed (AllFools, or a full crawl of a
	// directory whose changelog is clean).
	merge bool
	// splitBrain: no source, nothing to be done but report.
	splitBrain bool
}

// chooser picks the source of a split-brain among the candidates (known
// bricks that may be a source of kind).
type chooser func(kind afr.Kind, v *view, candidates []int) (int, error)

// decide makes the plan of kind for v. choose resolves a split-brain (nil:
// leave it); merge asks for a merge of entries when the changelog is clean.
func (e *Engine) decide(v *view, kind afr.Kind, choose chooser, merge bool) (plan, error) {
	p := plan{kind: kind, m: v.matrix(kind), source: -1}
	p.verdict = afr.Analyze(p.m, e.exclude(kind))
	switch {
	case p.verdict.SplitBrain && choose == nil:
		p.splitBrain = true
	case p.verdict.SplitBrain:
		s, err := choose(kind, v, e.candidates(kind, v))
		if err != nil {
			return p, err
		}
		p.source, p.sinks = s, othersKnown(v, s)
	case p.verdict.AllFools && kind == afr.Entry, p.verdict.Clean() && merge && kind == afr.Entry:
		p.merge, p.sinks = true, indexes(v.known)
	case p.verdict.AllFools:
		p.source = e.pickFool(kind, v)
		p.sinks = othersKnown(v, p.source)
	case len(p.verdict.Sources) > 0 && len(p.verdict.Sinks) > 0:
		p.source, p.sinks = p.verdict.Sources[0], p.verdict.Sinks
	}
	return p, nil
}

// exclude marks the bricks that can never be a source of kind: the arbiter
// for data.
func (e *Engine) exclude(kind afr.Kind) []bool {
	ex := make([]bool, len(e.bricks()))
	for i := range ex {
		ex[i] = kind == afr.Data && e.isArbiter(i)
	}
	return ex
}

// candidates are the known bricks that may be a source of kind.
func (e *Engine) candidates(kind afr.Kind, v *view) []int {
	ex := e.exclude(kind)
	var out []int
	for _, i := range indexes(v.known) {
		if !ex[i] {
			out = append(out, i)
		}
	}
	return out
}

// othersKnown returns the known bricks but s.
func othersKnown(v *view, s int) []int {
	var out []int
	for _, i := range indexes(v.known) {
		if i != s {
			out = append(out, i)
		}
	}
	return out
}

// pickFool picks the source when every brick accuses itself: for data the
// biggest file, then the latest mtime, then brick order (never the
// arbiter); for metadata the latest ctime, then brick order.
func (e *Engine) pickFool(kind afr.Kind, v *view) int {
	best := -1
	for _, i := range e.candidates(kind, v) {
		if best < 0 || foolBetter(kind, v.attr[i], v.attr[best]) {
			best = i
		}
	}
	return best
}

func foolBetter(kind afr.Kind, a, b fop.Attr) bool {
	if kind == afr.Data && a.Size != b.Size {
		return a.Size > b.Size
	}
	if kind == afr.Data {
		return later(a.Mtime, b.Mtime)
	}
	return later(a.Ctime, b.Ctime)
}

func later(a, b fop.Timespec) bool {
	return a.Sec > b.Sec || (a.Sec == b.Sec && a.Nsec > b.Nsec)
}

// undo subtracts the counters of p.m that the known bricks that did not
// fail hold against each other: after the heal they are identical, so
// whatever they said of each other is settled. Counters against bricks that
// took no part or failed stay, and so do marks added since they were read.
func (e *Engine) undo(ctx context.Context, v *view, p plan, failed []bool) error {
	ok := func(i int) bool { return v.known[i] && (failed == nil || !failed[i]) }
	var errs []error
	for i := range v.known {
		if !ok(i) {
			continue
		}
		var deltas []fop.PendingDelta
		for j, n := range p.m.Acc[i] {
			if ok(j) && n > 0 {
				deltas = append(deltas, p.kind.Delta(v.ids[j], -int32(min(n, math.MaxInt32))))
			}
		}
		if len(deltas) == 0 {
			continue
		}
		if _, err := e.bricks()[i].Xattrop(ctx, v.gfid, deltas); err != nil {
			errs = append(errs, e.brickErr(i, fmt.Sprintf("clearing the %s changelog of %s", p.kind, v.gfid), err))
		}
	}
	return errors.Join(errs...)
}
