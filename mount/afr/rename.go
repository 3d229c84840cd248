package afr

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// errStaleName is a brick's outcome of a rename that moved, or a create
// that opened, another inode than the other bricks did: its name was
// stale.
var errStaleName = fmt.Errorf("the name held another inode on this brick than on the others (a stale entry): %w", syscall.EIO)

// Rename moves (oldParent, oldName) to (newParent, newName): both names
// are locked and both parents marked.
//
// Each brick reports the inode it moved (fop.InodeRenamer). A brick whose
// old name held another inode than the others' — a stale entry, left by
// a change it missed — still renamed it, so its divergence moved from
// the old parent, which may be accused for it, to the new parent, which
// is not. The rename counts as failed on that brick, so that the post-op
// accuses it on both parents and entry heal replaces the name.
func (s *Set) Rename(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) error {
	names := []entryName{{oldParent, oldName}, {newParent, newName}}
	moved := make([]fop.Gfid, len(s.kids))
	t := newEntryTxn("rename", names, func(ctx context.Context, i int) error {
		r, ok := s.kids[i].(fop.InodeRenamer)
		if !ok {
			return s.kids[i].Rename(ctx, oldParent, oldName, newParent, newName, flags)
		}
		var err error
		moved[i], err = r.RenameInode(ctx, oldParent, oldName, newParent, newName, flags)
		return err
	})
	t.judge = func(errs []error) []error { return s.judgeGfids("rename", errs, moved, oldParent, oldName) }
	_, err := s.transact(ctx, t)
	if err == nil && flags&fop.RenameExchange == 0 {
		s.known.removed(oldParent, oldName)
		s.known.added(newParent, newName)
	}
	return s.errorf("rename", entryName{oldParent, oldName}, err)
}

// judgeGfids fails the bricks whose operation on (parent, name) reached
// another inode than the one most bricks that succeeded reached (on a
// tie: the one the first of them, in brick order, reached — as the first
// brick decides replica 2's quorum): a rename that moved, or a create
// that opened, a stale entry. Bricks that report no gfid are not judged.
func (s *Set) judgeGfids(op string, errs []error, gs []fop.Gfid, parent fop.Gfid, name string) []error {
	want := majorityGfid(errs, gs)
	for i, g := range gs {
		if errs[i] != nil || g.IsZero() || g == want {
			continue
		}
		s.log.Warn(op+" reached another inode on this brick than on the others: accusing it", "brick", s.kids[i].Name(),
			"parent", parent, "name", name, "gfid", g, "others", want)
		errs[i] = errStaleName
	}
	return errs
}

// majorityGfid is the gfid most bricks without an error report, the
// first in brick order among equals; zero if none reports one.
func majorityGfid(errs []error, gs []fop.Gfid) fop.Gfid {
	var best fop.Gfid
	bestN := 0
	for i, g := range gs {
		if errs[i] != nil || g.IsZero() || g == best {
			continue
		}
		n := 0
		for j, o := range gs {
			if errs[j] == nil && o == g {
				n++
			}
		}
		if n > bestN {
			best, bestN = g, n
		}
	}
	return best
}
