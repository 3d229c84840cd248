package afr

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Entry operations are entry transactions: the entry lock on every name
// they touch, the entry counters of every parent they change. A new
// inode gets the caller's gfid on every brick.

// entryTxn runs op on every brick as an entry transaction on names
// (parent, name pairs), marking their parents.
func (s *Set) entryTxn(ctx context.Context, op string, names []entryName, fn func(ctx context.Context, i int) error) ([]bool, error) {
	return s.transact(ctx, newEntryTxn(op, names, fn))
}

// newEntryTxn returns the entry transaction of entryTxn.
func newEntryTxn(op string, names []entryName, fn func(ctx context.Context, i int) error) *txn {
	t := &txn{name: op, kind: Entry, op: fn}
	for _, n := range names {
		t.locks = append(t.locks, entryLock(n.parent, n.name))
		t.marks = append(t.marks, n.parent)
	}
	return t
}

// newEntry runs an entry transaction that makes the inode (parent,
// name); it returns the entry as a data brick made it, and remembers the
// bricks that made it as the new inode's good copies.
func (s *Set) newEntry(ctx context.Context, op string, parent fop.Gfid, name string, fn func(ctx context.Context, i int) (fop.Entry, error)) (fop.Entry, error) {
	ents := make([]fop.Entry, len(s.kids))
	ok, err := s.entryTxn(ctx, op, []entryName{{parent, name}}, func(ctx context.Context, i int) error {
		e, err := fn(ctx, i)
		ents[i] = e
		return err
	})
	if err != nil {
		return fop.Entry{}, s.errorf(op, entryName{parent, name}, err)
	}
	e := ents[s.pickOK(ents[s.firstOK(ok)].Gfid, ok)]
	s.freshInode(e.Gfid, ok, e.Mode)
	s.known.added(parent, name)
	if e.Mode&syscall.S_IFMT == syscall.S_IFDIR && count(ok) == len(s.kids) {
		s.known.made(e.Gfid) // empty, on every brick
	}
	e.Pending = nil
	return e, nil
}

// freshInode remembers that the bricks in ok hold the only copies of a
// new inode, all good.
func (s *Set) freshInode(g fop.Gfid, ok []bool, mode uint32) {
	h := &health{present: append([]bool(nil), ok...), typ: mode & syscall.S_IFMT}
	for _, k := range []Kind{Data, Metadata, Entry} {
		for i, good := range ok {
			if good && !(k == Data && s.isArbiter(i)) {
				h.v[k].Sources = append(h.v[k].Sources, i)
			}
		}
	}
	s.health.put(g, h)
}

// Mkdir makes the directory (parent, name) with the gfid in.Gfid.
func (s *Set) Mkdir(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	return s.newEntry(ctx, "mkdir", parent, name, func(ctx context.Context, i int) (fop.Entry, error) {
		return s.kids[i].Mkdir(ctx, parent, name, in)
	})
}

// Mknod makes a fifo, socket, device or empty regular file.
func (s *Set) Mknod(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	return s.newEntry(ctx, "mknod", parent, name, func(ctx context.Context, i int) (fop.Entry, error) {
		return s.kids[i].Mknod(ctx, parent, name, in)
	})
}

// Symlink makes the symbolic link (parent, name) → target.
func (s *Set) Symlink(ctx context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (fop.Entry, error) {
	return s.newEntry(ctx, "symlink", parent, name, func(ctx context.Context, i int) (fop.Entry, error) {
		return s.kids[i].Symlink(ctx, parent, name, target, in)
	})
}

// linktoMaker is how the brick client makes dht pointer files.
type linktoMaker interface {
	MknodLinkto(ctx context.Context, parent fop.Gfid, name string, gfid fop.Gfid, setName string) (fop.Entry, error)
}

// MknodLinkto makes the dht pointer file (parent, name) with gfid on
// every brick (dht's interface for linkto files).
func (s *Set) MknodLinkto(ctx context.Context, parent fop.Gfid, name string, gfid fop.Gfid, setName string) (fop.Entry, error) {
	return s.newEntry(ctx, "mknod linkto", parent, name, func(ctx context.Context, i int) (fop.Entry, error) {
		lm, ok := s.kids[i].(linktoMaker)
		if !ok {
			return fop.Entry{}, fmt.Errorf("brick %s cannot make linkto files: %w", s.kids[i].Name(), syscall.EINVAL)
		}
		return lm.MknodLinkto(ctx, parent, name, gfid, setName)
	})
}

// Link makes (newParent, newName) a hard link of the inode g.
func (s *Set) Link(ctx context.Context, g, newParent fop.Gfid, newName string) (fop.Entry, error) {
	ents := make([]fop.Entry, len(s.kids))
	ok, err := s.entryTxn(ctx, "link", []entryName{{newParent, newName}}, func(ctx context.Context, i int) error {
		e, err := s.kids[i].Link(ctx, g, newParent, newName)
		ents[i] = e
		return err
	})
	if err != nil {
		return fop.Entry{}, s.errorf("link", entryName{newParent, newName}, err)
	}
	e := ents[s.pickOK(g, ok)]
	s.known.added(newParent, newName)
	e.Pending = nil
	return e, nil
}

// Unlink removes the non-directory entry (parent, name).
func (s *Set) Unlink(ctx context.Context, parent fop.Gfid, name string) error {
	_, err := s.entryTxn(ctx, "unlink", []entryName{{parent, name}}, func(ctx context.Context, i int) error {
		return s.kids[i].Unlink(ctx, parent, name)
	})
	if err == nil {
		s.known.removed(parent, name)
	}
	return s.errorf("unlink", entryName{parent, name}, err)
}

// Rmdir removes the empty directory (parent, name).
func (s *Set) Rmdir(ctx context.Context, parent fop.Gfid, name string) error {
	_, err := s.entryTxn(ctx, "rmdir", []entryName{{parent, name}}, func(ctx context.Context, i int) error {
		return s.kids[i].Rmdir(ctx, parent, name)
	})
	if err == nil {
		s.known.removed(parent, name)
	}
	return s.errorf("rmdir", entryName{parent, name}, err)
}

// Create makes and opens the regular file (parent, name) with the gfid
// in.Gfid on every brick; the File holds each brick's open file.
// O_TRUNC is never sent: a file that already existed (no O_EXCL) is
// truncated by a data transaction. Without O_EXCL the bricks may reach
// different inodes (a stale name on one): the gfid most reached is the
// file, and the others count as failed there (judgeGfids).
func (s *Set) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (fop.Entry, fop.File, error) {
	ents := make([]fop.Entry, len(s.kids))
	files := make([]fop.File, len(s.kids))
	fw := s.firstWindow(ctx, in.Gfid, flags)
	unlocks := make([]*fop.EntryUnlock, len(s.kids))
	var t *txn
	t = newEntryTxn("create", []entryName{{parent, name}}, func(ctx context.Context, i int) error {
		kin := in
		if fw != nil {
			kin.Lock = fw.asks[i]
		}
		if t.fused.active {
			// The lock with the create; held until the post-op, so
			// that the create can be taken back (fusedlock.go).
			kin.EntryLock = &fop.EntryLock{Domain: EntryDomain, Owner: t.owner}
		} else if t.optimistic && earlyEntryUnlock {
			// No post-op follows a create that succeeds everywhere: the
			// brick can let go of the entry lock as soon as it made the
			// file. Where it fails, the lock stays for the post-op.
			unlocks[i] = &fop.EntryUnlock{Domain: EntryDomain, Owner: t.owner}
			kin.EntryUnlock = unlocks[i]
		}
		e, f, err := s.kids[i].Create(ctx, parent, name, flags&^syscall.O_TRUNC, kin)
		ents[i], files[i] = e, f
		return err
	})
	t.create = true
	t.fused = &fusedLock{
		undo: func(ctx context.Context, i int) { s.undoCreate(ctx, i, parent, name, in.Gfid, ents[i], files[i], fw) },
		reset: func(ctx context.Context) {
			fw = s.firstWindow(ctx, in.Gfid, flags)
			clear(ents)
			clear(files)
		},
	}
	t.released = func(i int) bool { return unlocks[i] != nil && unlocks[i].Done }
	t.judge = func(errs []error) []error {
		gs := make([]fop.Gfid, len(ents))
		for i, e := range ents {
			gs[i] = e.Gfid
		}
		return s.judgeGfids("create", errs, gs, parent, name)
	}
	seq := s.parents.begin(parent)
	ok, err := s.transact(ctx, t)
	s.releaseFailed(ctx, files, ok)
	e := ents[max(s.pickOK(in.Gfid, ok), 0)]
	if err == nil {
		err = sameGfid(ents, ok, e.Gfid)
	}
	if err != nil {
		s.known.forget(parent) // the name may be on some brick (a gfid split)
		fw.giveBack(ctx)
		s.releaseAll(ctx, files)
		return fop.Entry{}, nil, s.errorf("create", entryName{parent, name}, err)
	}
	s.known.added(parent, name)
	if e.Gfid == in.Gfid {
		s.freshInode(e.Gfid, ok, e.Mode)
		s.keepParent(parent, seq, ents, ok)
	} else {
		s.parents.changed(parent) // the create made nothing: keep nothing
	}
	fw.open(ctx)
	f := s.newFile(e.Gfid, flags, files)
	if e.Gfid != in.Gfid && flags&syscall.O_TRUNC != 0 {
		a, err := s.Setattr(ctx, e.Gfid, fop.SetattrIn{Valid: fop.SetSize})
		if err != nil {
			_ = f.Release(ctx)
			return fop.Entry{}, nil, err
		}
		e.Attr = a
	}
	e.Pending = nil
	return e, f, nil
}

// undoCreate takes back what a create with a fused lock did on brick i,
// where another brick found the lock busy: the first window's lock and
// mark, the open file, and the name if it made it (the entry lock is
// still held there).
func (s *Set) undoCreate(ctx context.Context, i int, parent fop.Gfid, name string, g fop.Gfid, e fop.Entry, f fop.File, fw *firstWindow) {
	ctx = context.WithoutCancel(ctx)
	if fw != nil && fw.asks[i].Granted {
		got := make([]bool, len(s.kids))
		got[i] = true
		s.postOpUnlockBrick(ctx, i, inodeLock(g, DataDomain), decrements(Data, fw.take.ids, nil), got, got, fw.take.owner)
	}
	if f != nil {
		if err := f.Release(ctx); err != nil {
			s.log.Debug("release of a create taken back", "brick", s.kids[i].Name(), "err", err)
		}
	}
	if e.Gfid != g {
		return // it opened a file that was there
	}
	if err := s.kids[i].Unlink(ctx, parent, name); err != nil {
		s.log.Warn("a create taken back left its file", "brick", s.kids[i].Name(), "parent", parent, "name", name, "err", err)
	}
}

// keepParent keeps the parent's attributes after a create that began at
// seq, as the brick a getattr of the parent reads now reported them.
func (s *Set) keepParent(parent fop.Gfid, seq uint64, ents []fop.Entry, ok []bool) {
	h, known := s.health.get(parent)
	if !known {
		return
	}
	cands, err := h.readable(readAttr, s.arbiter)
	if err != nil {
		return
	}
	up := s.connected()
	for _, i := range s.spread(parent, cands) {
		if !up[i] {
			continue
		}
		if ok[i] && ents[i].Parent != nil {
			s.parents.keep(parent, seq, *ents[i].Parent)
		}
		return
	}
}

// earlyEntryUnlock lets an optimistic create that took its locks the
// usual way (after a busy fused lock) release its entry lock on the
// bricks where it made the file, before the set's post-op. It was off
// while a heal that never finished was suspected on it; the cause was a
// stale name renamed into an unmarked directory (rename.go).
const earlyEntryUnlock = true

// sameGfid checks that every brick in ok answered with gfid g.
func sameGfid(ents []fop.Entry, ok []bool, g fop.Gfid) error {
	for i, good := range ok {
		if good && ents[i].Gfid != g {
			return errGfidSplit
		}
	}
	return nil
}

// releaseFailed releases, and forgets, the open files of the bricks not
// in ok: a brick whose create opened another inode than the others
// (judgeGfids) has an open file the set must not use.
func (s *Set) releaseFailed(ctx context.Context, files []fop.File, ok []bool) {
	failed := make([]fop.File, len(files))
	for i, f := range files {
		if f != nil && !at(ok, i) {
			failed[i], files[i] = f, nil
		}
	}
	s.releaseAll(ctx, failed)
}

// releaseAll releases the open files of a failed open or create.
func (s *Set) releaseAll(ctx context.Context, files []fop.File) {
	ctx = context.WithoutCancel(ctx)
	for i, f := range files {
		if f == nil {
			continue
		}
		if err := f.Release(ctx); err != nil {
			s.log.Debug("release after a failed open", "brick", s.kids[i].Name(), "err", err)
		}
	}
}
