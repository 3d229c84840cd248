package heal

import (
	"context"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
)

// readdirPage is the number of entries asked for per Readdir.
const readdirPage = 1024

// listAll lists directory g on every brick of mask, in parallel. A brick
// that cannot be listed is reported to fail and has a nil listing.
func (e *Engine) listAll(ctx context.Context, g fop.Gfid, mask []bool, fail func(int, error)) []map[string]fop.Dirent {
	lists := make([]map[string]fop.Dirent, len(e.bricks()))
	errs := make([]error, len(e.bricks()))
	each(indexes(mask), func(i int) {
		lists[i], errs[i] = listDir(ctx, e.bricks()[i], g)
	})
	for i, err := range errs {
		if err != nil {
			fail(i, fmt.Errorf("list: %w", err))
		}
	}
	return lists
}

// listDir returns every entry of directory g on b, by name.
func listDir(ctx context.Context, b fop.Brick, g fop.Gfid) (map[string]fop.Dirent, error) {
	d, err := b.Opendir(ctx, g)
	if err != nil {
		return nil, err
	}
	defer func() { _ = d.Release(context.WithoutCancel(ctx)) }()
	out := make(map[string]fop.Dirent)
	var cookie uint64
	for {
		ents, eof, err := d.Readdir(ctx, cookie, readdirPage)
		if err != nil {
			return nil, err
		}
		for _, ent := range ents {
			out[ent.Name] = ent
			cookie = ent.Cookie
		}
		if eof || len(ents) == 0 {
			return out, nil
		}
	}
}

// create makes the source's entry want as name on sink k: a rename of the
// same inode that k still has under a name going away from this directory,
// a link when k has the inode elsewhere (hard links), else a new inode with
// want's gfid, type, mode and owner, marked first on every brick that has
// it as missed by k, so that its data, metadata and entries follow (now,
// through outcome.follow, or from the dirty index if this heal is cut
// short).
func (h *entryHeal) create(ctx context.Context, k int, name string, want fop.Dirent) error {
	sink := h.e.bricks()[k]
	dir := h.v.gfid
	if old, ok := h.goingAway(k, want.Gfid); ok {
		if err := sink.Rename(ctx, dir, old, dir, name, fop.RenameNoreplace); err != nil {
			return fmt.Errorf("rename %q to %q: %w", old, name, err)
		}
		delete(h.lists[k], old)
		return h.made(k, name, want, false)
	}
	if want.Mode&sIFMT != sIFDIR {
		if _, err := sink.Getattr(ctx, want.Gfid); err == nil {
			if _, err := sink.Link(ctx, want.Gfid, dir, name); err != nil {
				return fmt.Errorf("link %q to %s: %w", name, want.Gfid, err)
			}
			return h.made(k, name, want, false)
		}
	}
	holders := h.holders(name, want.Gfid)
	delta := newInodeDelta(want, h.v.ids[k])
	if err := h.e.mark(ctx, want.Gfid, holders, delta, 1); err != nil {
		return err
	}
	if err := h.e.makeInode(ctx, k, dir, name, want, holders); err != nil {
		if uerr := h.e.mark(ctx, want.Gfid, holders, delta, -1); uerr != nil {
			h.e.log.Warn("cannot undo the mark of an inode not made", "gfid", want.Gfid, "err", uerr)
		}
		return err
	}
	return h.made(k, name, want, true)
}

// made records that name now is want on sink k.
func (h *entryHeal) made(k int, name string, want fop.Dirent, fresh bool) error {
	h.lists[k][name] = want
	h.changed[k] = true
	h.out.created++
	if fresh {
		h.out.follow = append(h.out.follow, want.Gfid)
	}
	return nil
}

// goingAway returns a name of sink k in this directory that holds inode g
// and that the source does not have (so phase 3 would remove it). The
// names are indexed by gfid once per sink.
func (h *entryHeal) goingAway(k int, g fop.Gfid) (string, bool) {
	if h.p.merge {
		return "", false
	}
	if h.away == nil {
		h.away = make(map[int]map[fop.Gfid]string)
	}
	idx, ok := h.away[k]
	if !ok {
		idx = make(map[fop.Gfid]string)
		src := h.lists[h.p.source]
		for name, ent := range h.lists[k] {
			if _, keep := src[name]; !keep && !ent.Gfid.IsZero() {
				idx[ent.Gfid] = name
			}
		}
		h.away[k] = idx
	}
	name, ok := idx[g]
	if ok {
		delete(idx, g) // renamed away: not a candidate twice
	}
	return name, ok
}

// newInodeDelta is the mark that says brick id misses a new inode: its
// data (regular files but dht pointers), its metadata, and its entries
// (directories).
func newInodeDelta(want fop.Dirent, id string) fop.PendingDelta {
	d := fop.PendingDelta{BrickID: id, Metadata: 1}
	switch {
	case want.Mode&sIFMT == sIFDIR:
		d.Entry = 1
	case want.Mode&sIFMT == sIFREG && want.Linkto == "":
		d.Data = 1
	}
	return d
}

// mark adds sign times delta to the counters of g on the bricks of on.
func (e *Engine) mark(ctx context.Context, g fop.Gfid, on []int, delta fop.PendingDelta, sign int32) error {
	d := fop.PendingDelta{BrickID: delta.BrickID, Data: sign * delta.Data, Metadata: sign * delta.Metadata, Entry: sign * delta.Entry}
	for _, i := range on {
		if _, err := e.bricks()[i].Xattrop(ctx, g, []fop.PendingDelta{d}); err != nil {
			return e.brickErr(i, fmt.Sprintf("mark %s", g), err)
		}
	}
	return nil
}

// linktoMaker is the brick call that makes dht pointer files.
type linktoMaker interface {
	MknodLinkto(ctx context.Context, parent fop.Gfid, name string, gfid fop.Gfid, setName string) (fop.Entry, error)
}

// makeInode makes the inode want as name in dir on brick k, with want's
// gfid, type, mode, owner (and target, from a brick of from, for a symlink).
func (e *Engine) makeInode(ctx context.Context, k int, dir fop.Gfid, name string, want fop.Dirent, from []int) error {
	sink := e.bricks()[k]
	in := fop.NewInode{Gfid: want.Gfid, Mode: want.Mode & 0o7777, Rdev: want.Rdev, Caller: fop.Caller{Uid: want.Uid, Gid: want.Gid}}
	var err error
	switch typ := want.Mode & sIFMT; {
	case typ == sIFDIR:
		_, err = sink.Mkdir(ctx, dir, name, in)
	case typ == sIFREG && want.Linkto != "":
		lm, ok := sink.(linktoMaker)
		if !ok {
			return fmt.Errorf("dht pointer %q: the brick cannot make one: %w", name, syscall.EOPNOTSUPP)
		}
		_, err = lm.MknodLinkto(ctx, dir, name, want.Gfid, want.Linkto)
	case typ == sIFREG:
		var f fop.File
		if _, f, err = sink.Create(ctx, dir, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, in); err == nil {
			releaseFile(ctx, f)
		}
	case typ == sIFLNK:
		err = e.makeSymlink(ctx, k, dir, name, in, from)
	default:
		in.Mode = want.Mode
		_, err = sink.Mknod(ctx, dir, name, in)
	}
	if err != nil {
		return fmt.Errorf("make %q (%s, mode %o): %w", name, want.Gfid, want.Mode, err)
	}
	return nil
}

// makeSymlink makes a symlink with the target it has on a brick of from.
func (e *Engine) makeSymlink(ctx context.Context, k int, dir fop.Gfid, name string, in fop.NewInode, from []int) error {
	if len(from) == 0 {
		return fmt.Errorf("no brick to read the target from: %w", syscall.EIO)
	}
	target, err := e.bricks()[from[0]].Readlink(ctx, in.Gfid)
	if err != nil {
		return fmt.Errorf("readlink on %s: %w", e.bricks()[from[0]].Name(), err)
	}
	in.Mode = 0o777
	_, err = e.bricks()[k].Symlink(ctx, dir, name, target, in)
	return err
}

// remove removes name (ent) from sink k, a directory with everything in it.
func (h *entryHeal) remove(ctx context.Context, k int, name string, ent fop.Dirent) error {
	if err := h.e.removeTree(ctx, k, h.v.gfid, name, ent); err != nil {
		return err
	}
	delete(h.lists[k], name)
	h.changed[k] = true
	h.out.removed++
	return nil
}

// removeTree removes name from dir on brick k; a directory is emptied
// first, depth first.
func (e *Engine) removeTree(ctx context.Context, k int, dir fop.Gfid, name string, ent fop.Dirent) error {
	b := e.bricks()[k]
	if ent.Mode&sIFMT != sIFDIR {
		if err := b.Unlink(ctx, dir, name); err != nil && !isErrno(err, syscall.ENOENT) {
			return fmt.Errorf("unlink %q: %w", name, err)
		}
		return nil
	}
	children, err := listDir(ctx, b, ent.Gfid)
	if err != nil {
		return fmt.Errorf("list %q to remove it: %w", name, err)
	}
	for _, child := range sortedKeys(children) {
		if err := e.removeTree(ctx, k, ent.Gfid, child, children[child]); err != nil {
			return err
		}
	}
	if err := b.Rmdir(ctx, dir, name); err != nil && !isErrno(err, syscall.ENOENT) {
		return fmt.Errorf("rmdir %q: %w", name, err)
	}
	return nil
}
