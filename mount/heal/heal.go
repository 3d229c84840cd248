package heal

import (
	"context"
	"errors"
	"fmt"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
)

// how says how an inode is healed beyond what its changelog says.
type how struct {
	// choose resolves a split-brain of data and metadata (the favorite-
	// child policy) and, when resolve is set, of entries too (Resolve).
	choose  chooser
	resolve bool
	// merge merges the entries of a directory whose entry changelog is
	// clean (full crawl).
	merge bool
}

// outcome is what the heal of one kind of one inode did.
type outcome struct {
	healed     bool
	splitBrain bool
	resolved   bool // a split-brain was healed from the source a policy chose
	bytes      int64
	created    int
	removed    int
	// follow are inodes the heal made on sinks, to be healed next.
	follow []fop.Gfid
}

// fixFunc heals the sinks of p. It returns which bricks failed (nil: none),
// so that their counters stay, and the errors of the failures.
type fixFunc func(ctx context.Context, v *view, p plan) (failed []bool, out outcome, err error)

// HealGfid heals whatever of g's data, metadata and entries is pending,
// and then every inode that its entry heal created on a sink (a missing
// subtree is healed whole before HealGfid returns). Split-brain is left
// alone unless Options.Policy resolves it; it is reported in the Result,
// not as an error.
func (e *Engine) HealGfid(ctx context.Context, g fop.Gfid) (Result, error) {
	return e.healTree(ctx, g, e.defaultHow())
}

// Heal is HealGfid for callers that need only the error: afr can heal an
// inode at once (a gfid mismatch found by a lookup, say) through an
// interface of its own, without importing this package. It must not be
// called with afr's locks held: the heal takes them.
func (e *Engine) Heal(ctx context.Context, g fop.Gfid) error {
	_, err := e.HealGfid(ctx, g)
	return err
}

func (e *Engine) defaultHow() how {
	return how{choose: policyChooser(e.opts.Policy)}
}

// healTree heals g and then what its heal created, breadth first.
func (e *Engine) healTree(ctx context.Context, g fop.Gfid, h how) (Result, error) {
	res := Result{Gfid: g}
	var errs []error
	work := []fop.Gfid{g}
	for len(work) > 0 && ctx.Err() == nil {
		x := work[0]
		work = work[1:]
		r, follow, err := e.healInode(ctx, x, h)
		if x == g {
			res.Healed, res.SplitBrain, res.Resolved = r.Healed, r.SplitBrain, r.Resolved
			if err != nil && len(follow) == 0 {
				return res, err
			}
		}
		res.add(r)
		if err != nil {
			errs = append(errs, err)
		}
		work = append(work, follow...)
		h.resolve, h.choose = false, e.defaultHow().choose // a resolution is for g only
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return res, errors.Join(errs...)
}

// healInode heals the kinds of g that its type has: data then metadata for
// a regular file, entries then metadata for a directory, metadata for the
// rest (metadata last, since the others change times).
func (e *Engine) healInode(ctx context.Context, g fop.Gfid, h how) (Result, []fop.Gfid, error) {
	res := Result{Gfid: g, Inodes: 1}
	probe := e.readView(ctx, g, e.connected())
	if probe.count() == 0 {
		return res, nil, fmt.Errorf("heal %s: %w", g, errGone)
	}
	var kinds []afr.Kind
	switch probe.typ() {
	case sIFREG:
		kinds = []afr.Kind{afr.Data, afr.Metadata}
	case sIFDIR:
		kinds = []afr.Kind{afr.Entry, afr.Metadata}
	default:
		kinds = []afr.Kind{afr.Metadata}
	}
	var follow []fop.Gfid
	var errs []error
	for _, k := range kinds {
		out, err := e.healKind(ctx, g, k, h)
		if err != nil {
			errs = append(errs, err)
		}
		if out.healed {
			res.Healed = append(res.Healed, k)
		}
		if out.splitBrain {
			res.SplitBrain = append(res.SplitBrain, k)
		}
		if out.resolved {
			res.Resolved = append(res.Resolved, k)
		}
		res.Bytes += out.bytes
		res.Created += out.created
		res.Removed += out.removed
		follow = append(follow, out.follow...)
	}
	return res, follow, errors.Join(errs...)
}

// healKind heals one kind of g: lock, read the counters, decide, heal the
// sinks, subtract what was read, unlock.
func (e *Engine) healKind(ctx context.Context, g fop.Gfid, kind afr.Kind, h how) (outcome, error) {
	l, err := e.lock(ctx, g, kind)
	if err != nil {
		return outcome{}, err
	}
	defer l.unlock(ctx)
	v := e.readView(ctx, g, l.held)
	if v.count() < 2 {
		return outcome{}, nil
	}
	choose := h.choose
	if kind == afr.Entry && !h.resolve {
		choose = nil // policies do not decide between directories
	}
	p, err := e.decide(v, kind, choose, h.merge)
	switch {
	case err != nil && errors.Is(err, errNoChoice) && !h.resolve:
		return outcome{splitBrain: true}, nil // the favorite-child policy cannot decide: the admin must
	case err != nil:
		return outcome{splitBrain: true}, fmt.Errorf("%s split-brain of %s: %w", kind, g, err)
	}
	if p.splitBrain || len(p.sinks) == 0 {
		return outcome{splitBrain: p.splitBrain}, nil
	}
	failed, out, ferr := e.fixer(kind)(ctx, v, p)
	if ferr != nil && failed == nil {
		return out, ferr // failed without saying where: keep every counter
	}
	if uerr := e.undo(ctx, v, p, failed); uerr != nil {
		ferr = errors.Join(ferr, uerr)
	}
	changed := !p.verdict.Clean() || out.created > 0 || out.removed > 0
	out.healed = changed && len(indexes(failed)) < len(p.sinks)
	out.resolved = p.verdict.SplitBrain && out.healed
	return out, ferr
}

// fixer returns the heal of kind.
func (e *Engine) fixer(kind afr.Kind) fixFunc {
	switch kind {
	case afr.Data:
		return e.fixData
	case afr.Metadata:
		return e.fixMetadata
	default:
		return e.fixEntry
	}
}
