package heal

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
)

// Resolution policies of Resolve (`mortar heal --resolve PATH --policy`).
const (
	ResolveSourceBrick = "source-brick:" // followed by a brick's name or id
	ResolveBiggerFile  = "bigger-file"
	ResolveLatestMtime = "latest-mtime"
)

// errNoChoice: a policy that cannot tell the bricks apart.
var errNoChoice = errors.New("the policy cannot tell the copies apart")

// Resolve ends a split-brain of g with policy: every kind of g in
// split-brain is healed from the brick the policy picks: "source-brick:B"
// (B a brick's name, "HOST:PORT/NAME" or just NAME, or its id),
// "bigger-file" (the biggest copy of a regular file) or "latest-mtime"
// (the copy with the latest mtime). Then g is healed as HealGfid would,
// with what the resolution created. ErrNotSplitBrain when g is in no
// split-brain.
func (e *Engine) Resolve(ctx context.Context, g fop.Gfid, policy string) (Result, error) {
	choose, err := e.resolveChooser(policy)
	if err != nil {
		return Result{Gfid: g}, err
	}
	r, err := e.healTree(ctx, g, how{choose: choose, resolve: true})
	if err != nil {
		return r, err
	}
	if len(r.Resolved) == 0 {
		return r, fmt.Errorf("%s: %w", g, ErrNotSplitBrain)
	}
	return r, nil
}

// resolveChooser parses a resolution policy.
func (e *Engine) resolveChooser(policy string) (chooser, error) {
	switch {
	case strings.HasPrefix(policy, ResolveSourceBrick):
		i, err := e.brickIndex(strings.TrimPrefix(policy, ResolveSourceBrick))
		if err != nil {
			return nil, err
		}
		return sourceBrick(i), nil
	case policy == ResolveBiggerFile:
		return biggest, nil
	case policy == ResolveLatestMtime:
		return latestMtime, nil
	}
	return nil, fmt.Errorf("unknown policy %q (want source-brick:BRICK, bigger-file or latest-mtime)", policy)
}

// brickIndex finds a brick of the set by name ("HOST:PORT/NAME"), by the
// name after the slash when that is unique, or by id.
func (e *Engine) brickIndex(name string) (int, error) {
	found := -1
	for i, b := range e.bricks() {
		if b.Name() == name || (b.ID() != "" && b.ID() == name) {
			return i, nil
		}
		if _, short, ok := strings.Cut(b.Name(), "/"); ok && short == name {
			if found >= 0 {
				return -1, fmt.Errorf("brick %q is ambiguous in set %s: name it HOST:PORT/NAME", name, e.set.Name)
			}
			found = i
		}
	}
	if found < 0 {
		return -1, fmt.Errorf("no brick %q in set %s", name, e.set.Name)
	}
	return found, nil
}

// sourceBrick picks brick i.
func sourceBrick(i int) chooser {
	return func(kind afr.Kind, v *view, candidates []int) (int, error) {
		for _, c := range candidates {
			if c == i {
				return i, nil
			}
		}
		return -1, fmt.Errorf("brick %d cannot be the %s source (down, without the inode, or an arbiter)", i, kind)
	}
}

// biggest picks the biggest copy of a regular file.
func biggest(kind afr.Kind, v *view, candidates []int) (int, error) {
	if v.typ() != sIFREG {
		return -1, fmt.Errorf("bigger-file resolves regular files only: %w", errNoChoice)
	}
	return pickUnique(candidates, func(a, b int) bool { return v.attr[a].Size > v.attr[b].Size })
}

// latestMtime picks the copy modified last.
func latestMtime(kind afr.Kind, v *view, candidates []int) (int, error) {
	return pickUnique(candidates, func(a, b int) bool { return later(v.attr[a].Mtime, v.attr[b].Mtime) })
}

// pickUnique returns the candidate better than every other, or
// errNoChoice when the best is tied.
func pickUnique(candidates []int, better func(a, b int) bool) (int, error) {
	best, tied := -1, false
	for _, c := range candidates {
		switch {
		case best < 0 || better(c, best):
			best, tied = c, false
		case !better(best, c):
			tied = true
		}
	}
	if best < 0 || tied {
		return -1, errNoChoice
	}
	return best, nil
}

// policyChooser is the favorite-child policy of Options.Policy (nil: none).
func policyChooser(policy string) chooser {
	switch policy {
	case PolicySize:
		return biggest
	case PolicyMtime:
		return latestMtime
	case PolicyMajority:
		return majority
	}
	return nil
}

// majority picks a copy that more than half of the known bricks share
// (data: size and mtime; metadata: mode, owner and mtime).
func majority(kind afr.Kind, v *view, candidates []int) (int, error) {
	key := func(i int) [5]int64 {
		a := v.attr[i]
		if kind == afr.Data {
			return [5]int64{int64(a.Size), a.Mtime.Sec, int64(a.Mtime.Nsec)}
		}
		return [5]int64{int64(a.Mode), int64(a.Uid), int64(a.Gid), a.Mtime.Sec, int64(a.Mtime.Nsec)}
	}
	for _, c := range candidates {
		n := 0
		for _, o := range indexes(v.known) {
			if key(o) == key(c) {
				n++
			}
		}
		if 2*n > v.count() {
			return c, nil
		}
	}
	return -1, errNoChoice
}
