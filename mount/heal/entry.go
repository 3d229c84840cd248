package heal

import (
	"context"
	"errors"
	"fmt"

	"github.com/mortarfs/mortar/mount/fop"
)

// entryHeal is the heal of the entries of one directory on the sinks of
// its plan, with the directory locked (entrylk) on every known brick.
type entryHeal struct {
	e     *Engine
	v     *view
	p     plan
	lists []map[string]fop.Dirent // each brick's entries; nil: not listed
	// failed marks the sinks where something failed (their counters stay).
	failed  []bool
	changed []bool                      // sinks whose directory changed (their times are restored)
	away    map[int]map[fop.Gfid]string // goingAway's index
	errs    []error
	out     outcome
}

// fixEntry heals the entries of the directory v.gfid. With a source:
// entries of the source missing on a sink are made there (phase 1), a
// sink's entry with another gfid than the source's is replaced (phase 2),
// entries the source does not have are removed from the sink (phase 3),
// in that order so that an inode a sink still has under a name going away
// is linked or renamed to its new name rather than made again. In a merge
// (no source): every known brick gets the entries others have, and nothing
// is removed; a name with different gfids on different bricks is a gfid
// split-brain, left alone.
func (e *Engine) fixEntry(ctx context.Context, v *view, p plan) ([]bool, outcome, error) {
	h := &entryHeal{e: e, v: v, p: p, failed: make([]bool, len(e.bricks())), changed: make([]bool, len(e.bricks()))}
	h.lists = e.listAll(ctx, v.gfid, v.known, h.fail)
	if p.merge {
		h.merge(ctx)
		h.restoreTimes(ctx)
		return h.failed, h.out, errors.Join(h.errs...)
	}
	if h.lists[p.source] == nil {
		for _, k := range p.sinks {
			h.failed[k] = true
		}
		return h.failed, h.out, errors.Join(h.errs...)
	}
	h.phaseCreate(ctx)
	h.phaseReplace(ctx)
	h.phaseRemove(ctx)
	h.restoreTimes(ctx)
	return h.failed, h.out, errors.Join(h.errs...)
}

// fail records a failure on brick k.
func (h *entryHeal) fail(k int, err error) {
	h.failed[k] = true
	h.errs = append(h.errs, h.e.brickErr(k, fmt.Sprintf("entry heal of %s", h.v.gfid), err))
}

// sinks returns the sinks that were listed.
func (h *entryHeal) sinks() []int {
	var out []int
	for _, k := range h.p.sinks {
		if h.lists[k] != nil && k != h.p.source {
			out = append(out, k)
		}
	}
	return out
}

// holders returns the known bricks that list name with gfid g.
func (h *entryHeal) holders(name string, g fop.Gfid) []int {
	var out []int
	for i, l := range h.lists {
		if ent, ok := l[name]; ok && ent.Gfid == g {
			out = append(out, i)
		}
	}
	return out
}

// phaseCreate makes on each sink the source's entries it lacks.
func (h *entryHeal) phaseCreate(ctx context.Context) {
	src := h.lists[h.p.source]
	for _, k := range h.sinks() {
		for _, name := range sortedKeys(src) {
			if _, ok := h.lists[k][name]; ok || src[name].Gfid.IsZero() {
				continue
			}
			if err := h.create(ctx, k, name, src[name]); err != nil {
				h.fail(k, err)
			}
		}
	}
}

// phaseReplace replaces the entries of each sink whose gfid is not the
// source's.
func (h *entryHeal) phaseReplace(ctx context.Context) {
	src := h.lists[h.p.source]
	for _, k := range h.sinks() {
		for _, name := range sortedKeys(src) {
			have, ok := h.lists[k][name]
			if !ok || have.Gfid == src[name].Gfid || src[name].Gfid.IsZero() {
				continue
			}
			h.e.log.Info("gfid mismatch: replacing the sink's entry", "brick", h.e.bricks()[k].Name(),
				"dir", h.v.gfid, "name", name, "sink-gfid", have.Gfid, "source-gfid", src[name].Gfid)
			if err := h.remove(ctx, k, name, have); err != nil {
				h.fail(k, err)
				continue
			}
			if err := h.create(ctx, k, name, src[name]); err != nil {
				h.fail(k, err)
			}
		}
	}
}

// phaseRemove removes from each sink the entries the source does not have.
func (h *entryHeal) phaseRemove(ctx context.Context) {
	src := h.lists[h.p.source]
	for _, k := range h.sinks() {
		for _, name := range sortedKeys(h.lists[k]) {
			if _, ok := src[name]; ok {
				continue
			}
			if err := h.remove(ctx, k, name, h.lists[k][name]); err != nil {
				h.fail(k, err)
			}
		}
	}
}

// merge gives every listed brick the entries the others have.
func (h *entryHeal) merge(ctx context.Context) {
	union := map[string]bool{}
	for _, l := range h.lists {
		for name := range l {
			union[name] = true
		}
	}
	for _, name := range sortedKeys(union) {
		var want fop.Dirent
		var lacking, conflict []int
		for i, l := range h.lists {
			ent, ok := l[name]
			switch {
			case l == nil:
			case !ok:
				lacking = append(lacking, i)
			case want.Gfid.IsZero():
				want = ent
			case ent.Gfid != want.Gfid:
				conflict = append(conflict, i)
			}
		}
		h.mergeName(ctx, name, want, lacking, conflict)
	}
}

// mergeName makes name on the bricks lacking it, unless the bricks that
// have it disagree on its gfid.
func (h *entryHeal) mergeName(ctx context.Context, name string, want fop.Dirent, lacking, conflict []int) {
	if len(conflict) > 0 || want.Gfid.IsZero() {
		if len(conflict) > 0 {
			h.out.splitBrain = true
			h.e.log.Warn("gfid split-brain: a name has different gfids on different bricks and no changelog says which is right",
				"dir", h.v.gfid, "name", name)
			for _, i := range append(conflict, h.holders(name, want.Gfid)...) {
				h.failed[i] = true
			}
		}
		return
	}
	for _, k := range lacking {
		if err := h.create(ctx, k, name, want); err != nil {
			h.fail(k, err)
		}
	}
}

// restoreTimes gives each changed sink directory the times of the source
// or, in a merge, of the unchanged brick modified last (if any).
func (h *entryHeal) restoreTimes(ctx context.Context) {
	from := h.p.source
	if h.p.merge {
		from = -1
		for _, i := range indexes(h.v.known) {
			if !h.changed[i] && (from < 0 || later(h.v.attr[i].Mtime, h.v.attr[from].Mtime)) {
				from = i
			}
		}
	}
	if from < 0 {
		return
	}
	for k, c := range h.changed {
		if c && !h.failed[k] {
			if err := h.e.copyTimes(ctx, h.v.gfid, from, k); err != nil {
				h.fail(k, err)
			}
		}
	}
}
