package afr

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// The first window of a new file. A file created for writing is about to
// be written: its create asks every brick for the data lock and pre-op of
// the first data transaction too (fop.CreateLock), made before the name
// appears, and the eager window opens with them. The first write then
// costs one round trip instead of three (lock, pre-op, write), which is
// most of a small file's cost. A brick that made the file but did not
// grant the lock stays out of the window and is accused by the post-op,
// as a brick that missed the lock of any data transaction.

// firstWindow is the lock and pre-op asked of each brick by one create.
type firstWindow struct {
	s    *Set
	g    fop.Gfid
	take dataTake
	asks []*fop.CreateLock
}

// firstWindow prepares the asks of a create of gfid g with flags, or
// returns nil when the file is not opened for writing, windows are off,
// or the bricks' ids are not known yet.
func (s *Set) firstWindow(ctx context.Context, g fop.Gfid, flags uint32) *firstWindow {
	if s.opts.PostOpDelay == 0 || flags&syscall.O_ACCMODE == syscall.O_RDONLY {
		return nil
	}
	ids, err := s.ids.get(ctx)
	if err != nil || len(ids) != len(s.kids) {
		return nil
	}
	deltas := make([]fop.PendingDelta, len(ids))
	for j, id := range ids {
		deltas[j] = Data.Delta(id, 1)
	}
	fw := &firstWindow{s: s, g: g, take: dataTake{owner: s.newOwner(), ids: ids}}
	for range s.kids {
		fw.asks = append(fw.asks, &fop.CreateLock{Domain: DataDomain, Owner: fw.take.owner, Pending: deltas})
	}
	return fw
}

// granted returns the bricks that hold the lock and the mark.
func (fw *firstWindow) granted() []bool {
	out := make([]bool, len(fw.asks))
	for i, a := range fw.asks {
		out[i] = a.Granted
	}
	return out
}

// open opens the eager window of the new file with what the bricks
// granted, or gives it back when that is not a quorum.
func (fw *firstWindow) open(ctx context.Context) {
	if fw == nil {
		return
	}
	got := fw.granted()
	if count(got) == 0 {
		return
	}
	fw.take.locked, fw.take.marked = got, got
	if !fw.s.quorum.met(got) || !fw.s.eager.adopt(fw.g, fw.take) {
		fw.giveBack(ctx)
	}
}

// giveBack undoes the marks and unlocks, in the background, on the
// bricks that granted them (a create that failed, or too few grants).
func (fw *firstWindow) giveBack(ctx context.Context) {
	if fw == nil {
		return
	}
	got := fw.granted()
	if count(got) == 0 {
		return
	}
	s, g, t := fw.s, fw.g, fw.take
	ctx = context.WithoutCancel(ctx)
	s.bg.run(func() {
		s.postOpUnlock(ctx, inodeLock(g, DataDomain), decrements(Data, t.ids, nil), got, got, t.owner)
	})
}
